/**
 * DICOM Part 10 files: implicit and explicit VR little endian, explicit VR big endian, deflated
 * explicit little endian, and the compressed syntaxes of `dicomCodecs.ts` (RLE, JPEG Lossless,
 * JPEG-LS, JPEG 2000, 8-bit JPEG Baseline/Extended). Any other transfer syntax (HTJ2K, video) is
 * refused with its name and how to convert it. Only the attributes needed to place and scale the
 * pixels are read; sequences are skipped whole, but for an enhanced multi-frame image's functional
 * groups (shared, and per frame: position, orientation, pixel spacing, rescale).
 *
 * A file is read in two steps, so a folder can be checked before any pixels are held: its header
 * (the bytes up to the pixel data, read and inflated only that far), then its pixels (read and
 * inflated no further than the header says they end). Inflating runs off the event loop.
 */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { Vec3, VoxelArray } from '../volume';
import type { Codec } from './dicomCodecs';
import { decodeEncapsulated } from './dicomCodecs';
import { swapBytes } from './voxelData';
import type { Encoding } from './byteSource';
import { corruptIsUnusable, openBytes, readPrefix, readUntil } from './byteSource';
import type { InputLimits } from './errors';
import { UnusableFileError, checkByteLimit, checkVoxelLimit } from './errors';

/** What a file's header says about its image: everything but the pixels, and where they lie. */
export interface DicomHeader {
  file: string;
  rows: number;
  columns: number;
  frames: number;
  /** The typed array its pixels decode to (RGB files decode to 8-bit gray). */
  pixelType: PixelArrayClass;
  slope: number;
  intercept: number;
  modality?: string;
  seriesUid?: string;
  instanceNumber?: number;
  /** ImagePositionPatient (LPS, mm) of the first pixel. */
  position?: Vec3;
  /** Enhanced multi-frame: each frame's ImagePositionPatient, in stored order. */
  framePositions?: Vec3[];
  /** ImageOrientationPatient: direction of increasing column index, then of increasing row index (LPS). */
  orientation?: [Vec3, Vec3];
  /** PixelSpacing: between rows, between columns (mm). */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  window?: { level: number; width: number };
  layout: PixelLayout;
}

export type PixelArrayClass = { new (n: number): VoxelArray; BYTES_PER_ELEMENT: number };

/** Where the pixel data lies in the data set and how its values are stored. */
interface PixelLayout {
  /** Offset of the data set in the file, and how it is stored from there. */
  bodyStart: number;
  encoding: Encoding;
  syntax: Syntax;
  /** Offset (in the data set, after inflating) of the first pixel byte, and the pixel bytes used (decoded). */
  pixelStart: number;
  pixelBytes: number;
  /** The pixel data are compressed fragments (an undefined-length element) starting at `pixelStart`. */
  encapsulated: boolean;
  samples: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  planar: boolean;
  monochrome1: boolean;
}

const SYNTAXES: Record<string, Syntax & { deflated?: boolean }> = {
  '1.2.840.10008.1.2': { explicit: false, littleEndian: true },
  '1.2.840.10008.1.2.1': { explicit: true, littleEndian: true },
  '1.2.840.10008.1.2.2': { explicit: true, littleEndian: false },
  '1.2.840.10008.1.2.1.99': { explicit: true, littleEndian: true, deflated: true },
  '1.2.840.10008.1.2.5': { explicit: true, littleEndian: true, codec: 'rle' },
  '1.2.840.10008.1.2.4.50': { explicit: true, littleEndian: true, codec: 'jpeg' },
  '1.2.840.10008.1.2.4.51': { explicit: true, littleEndian: true, codec: 'jpeg' },
  '1.2.840.10008.1.2.4.57': { explicit: true, littleEndian: true, codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { explicit: true, littleEndian: true, codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { explicit: true, littleEndian: true, codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { explicit: true, littleEndian: true, codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { explicit: true, littleEndian: true, codec: 'jpeg2000' },
  '1.2.840.10008.1.2.4.91': { explicit: true, littleEndian: true, codec: 'jpeg2000' },
};

/** Names of the compressed syntaxes, for messages (read or refused). */
const COMPRESSED_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component Lossless',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG2',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265',
};

/** VRs whose explicit encoding has 2 reserved bytes and a 32-bit length. */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

const tag = (group: number, element: number) => ((group << 16) | element) >>> 0;
const T = {
  transferSyntax: tag(0x0002, 0x0010),
  modality: tag(0x0008, 0x0060),
  sliceThickness: tag(0x0018, 0x0050),
  seriesUid: tag(0x0020, 0x000e),
  instanceNumber: tag(0x0020, 0x0013),
  position: tag(0x0020, 0x0032),
  orientation: tag(0x0020, 0x0037),
  samplesPerPixel: tag(0x0028, 0x0002),
  photometric: tag(0x0028, 0x0004),
  planar: tag(0x0028, 0x0006),
  frames: tag(0x0028, 0x0008),
  rows: tag(0x0028, 0x0010),
  columns: tag(0x0028, 0x0011),
  pixelSpacing: tag(0x0028, 0x0030),
  bitsAllocated: tag(0x0028, 0x0100),
  bitsStored: tag(0x0028, 0x0101),
  pixelRepresentation: tag(0x0028, 0x0103),
  windowCenter: tag(0x0028, 0x1050),
  windowWidth: tag(0x0028, 0x1051),
  intercept: tag(0x0028, 0x1052),
  slope: tag(0x0028, 0x1053),
  pixelData: tag(0x7fe0, 0x0010),
  sharedGroups: tag(0x5200, 0x9229),
  perFrameGroups: tag(0x5200, 0x9230),
  item: tag(0xfffe, 0xe000),
  itemEnd: tag(0xfffe, 0xe00d),
  sequenceEnd: tag(0xfffe, 0xe0dd),
};
const WANTED = new Set(Object.values(T));
/** The functional group macros (plane position and orientation, pixel measures, pixel value transformation, frame VOI LUT), known by tag where the VR is implicit. */
const GROUP_MACROS = new Set([
  tag(0x0020, 0x9113),
  tag(0x0020, 0x9116),
  tag(0x0028, 0x9110),
  tag(0x0028, 0x9145),
  tag(0x0028, 0x9132),
]);
const UNDEFINED = 0xffffffff;

interface Syntax {
  explicit: boolean;
  littleEndian: boolean;
  /** A compressed syntax: the pixel data are encapsulated, decoded by this codec. */
  codec?: Codec;
  /** Its name and UID, for messages. */
  name?: string;
}

/** Raw values of the wanted top-level elements. */
type Elements = Map<number, Buffer>;

/** An enhanced multi-frame image's functional groups, each item's macros flattened into one map. */
interface FunctionalGroups {
  shared?: Elements;
  perFrame?: Elements[];
}

/** The bytes being parsed; `partial` when more may follow (the file is read a piece at a time). */
interface Source {
  buf: Buffer;
  file: string;
  partial: boolean;
}

/** The bytes read so far end inside what is being parsed: read more and try again. */
class NeedMoreBytes extends Error {}

/** An element that runs past the end: wait for more bytes when more may come, else refuse the file. */
function cutShort(src: Source, message: string): Error {
  return src.partial ? new NeedMoreBytes() : new UnusableFileError(`${src.file}: ${message}`);
}

const DEFLATED = 'deflated data set';

/** Bytes read before the first attempt to parse a header: most headers fit. */
const FIRST_READ = 64 * 1024;

/** The file's header: read (and inflated) only up to its pixel data, checked against the limits. */
export async function readDicomHeader(file: string, limits: InputLimits): Promise<DicomHeader> {
  const meta = await readHeaderPart(openBytes(file, 0, 'plain', { chunk: FIRST_READ }), file, limits, (src) =>
    readMeta(src),
  );
  const body = await readHeaderPart(
    openBytes(file, meta.bodyStart, meta.encoding, { chunk: FIRST_READ }),
    file,
    limits,
    (src) => readBody(src, meta.syntax),
  );
  const header = describe(body.elements, body.groups, { ...meta, ...body.pixelData }, file, limits);
  const { layout } = header;
  if (layout.encoding === 'plain' && !layout.encapsulated) {
    // A short file is refused now, while its folder is checked, not halfway through stacking.
    const remain = (await fs.promises.stat(file)).size - layout.bodyStart - layout.pixelStart;
    if (remain < layout.pixelBytes) throw truncatedPixels(file, layout.pixelBytes, remain);
  }
  return header;
}

function truncatedPixels(file: string, needed: number, remain: number): UnusableFileError {
  return new UnusableFileError(`${file}: truncated: pixel data needs ${needed} bytes, ${Math.max(0, remain)} remain`);
}

/** The file's pixels, read (and inflated) no further than where its header says they end. */
export async function readDicomPixels(header: DicomHeader): Promise<VoxelArray> {
  const { layout, file } = header;
  if (layout.encapsulated) return readEncapsulatedPixels(header);
  const end = layout.pixelStart + layout.pixelBytes;
  const prefix = await corruptIsUnusable(
    readPrefix(openBytes(file, layout.bodyStart, layout.encoding, { length: end }), end),
    file,
    DEFLATED,
  );
  const data = prefix.bytes.subarray(layout.pixelStart);
  if (data.length < layout.pixelBytes) throw truncatedPixels(file, layout.pixelBytes, data.length);
  return decodePixels(header, data);
}

/**
 * Compressed pixels: the fragments are read to the end of the file but never beyond twice the
 * decoded size (PackBits grows data by at most 1 byte in 128, and a lossless JPEG codestream of
 * real images is far smaller than its pixels), plus a header per frame, then decoded.
 */
async function readEncapsulatedPixels(header: DicomHeader): Promise<VoxelArray> {
  const { layout, file } = header;
  const start = layout.bodyStart + layout.pixelStart;
  const remain = Math.max(0, (await fs.promises.stat(file)).size - start);
  const bound = Math.min(remain, 2 * layout.pixelBytes + 1024 * header.frames + 64 * 1024);
  if (bound === 0) throw truncatedPixels(file, layout.pixelBytes, 0);
  const { bytes } = await readPrefix(openBytes(file, start, 'plain', { length: bound }), bound);
  const decoded = await decodeEncapsulated(layout.syntax.codec!, bytes, {
    file,
    syntax: layout.syntax.name ?? 'compressed',
    rows: header.rows,
    columns: header.columns,
    frames: header.frames,
    samples: layout.samples,
    bytesPerSample: layout.bitsAllocated / 8,
  });
  // Decoded frames are little endian with samples interleaved, whatever the header says of the original.
  return decodePixels({ ...header, layout: { ...layout, planar: false } }, decoded);
}

/**
 * The raw values of `tags` (top-level elements before the pixel data, as `(group << 16 | element) >>> 0`),
 * for readers of attributes this module does not use (metadata/dicomTags.ts).
 */
export async function readDicomElements(
  file: string,
  limits: InputLimits,
  tags: ReadonlySet<number>,
): Promise<Map<number, Buffer>> {
  const open = (start: number, encoding: Encoding) => openBytes(file, start, encoding, { chunk: FIRST_READ });
  const meta = await readHeaderPart(open(0, 'plain'), file, limits, (src) => readMeta(src));
  return readHeaderPart(open(meta.bodyStart, meta.encoding), file, limits, (src) => {
    const out: Elements = new Map();
    readElements(src, 0, meta.syntax, out, () => false, tags);
    return out;
  });
}

/** Reads a growing prefix of `stream` until `parse` has what it needs; a header may not be larger than the byte budget. */
function readHeaderPart<T>(stream: Readable, file: string, limits: InputLimits, parse: (src: Source) => T): Promise<T> {
  const attempt = (buf: Buffer, ended: boolean): T | undefined => {
    try {
      return parse({ buf, file, partial: !ended });
    } catch (err) {
      if (err instanceof NeedMoreBytes) return undefined;
      throw err;
    }
  };
  const tooLong = (bytes: number) =>
    new UnusableFileError(`${file}: no pixel data within the first ${bytes} bytes, over ingest.maxBytes`);
  return corruptIsUnusable(readUntil(stream, FIRST_READ, limits.maxBytes, attempt, tooLong), file, DEFLATED);
}

/** The transfer syntax and where the data set starts, from the file meta group (or a guess for a raw data set). */
function readMeta(src: Source): Pick<PixelLayout, 'bodyStart' | 'encoding' | 'syntax'> {
  const { buf, file } = src;
  if (src.partial && buf.length < 132) throw new NeedMoreBytes();
  if (buf.length >= 132 && buf.toString('latin1', 128, 132) === 'DICM') {
    const meta: Elements = new Map();
    const { end } = readElements(src, 132, { explicit: true, littleEndian: true }, meta, (t) => t >>> 16 !== 0x0002);
    const uid = text(meta.get(T.transferSyntax)) ?? '1.2.840.10008.1.2.1';
    const known = SYNTAXES[uid];
    if (!known) {
      const name = COMPRESSED_NAMES[uid];
      throw new UnusableFileError(
        `${file}: transfer syntax ${name ? `${name} (${uid})` : uid} is not supported: only uncompressed, RLE, JPEG (8-bit), JPEG Lossless, JPEG-LS and JPEG 2000 DICOM is read; convert it first, e.g. "gdcmconv --raw in.dcm out.dcm" or "dcmdjpeg in.dcm out.dcm"`,
      );
    }
    const { deflated, ...syntax } = known;
    return {
      bodyStart: end,
      encoding: deflated ? 'deflate-raw' : 'plain',
      syntax: syntax.codec ? { ...syntax, name: `${COMPRESSED_NAMES[uid]} (${uid})` } : syntax,
    };
  }
  if (buf.length >= 8 && (buf.readUInt16LE(0) === 0x0008 || buf.readUInt16LE(0) === 0x0002)) {
    // No preamble: an old raw data set, nearly always implicit VR little endian.
    return {
      bodyStart: 0,
      encoding: 'plain',
      syntax: { explicit: /^[A-Z]{2}$/.test(buf.toString('latin1', 4, 6)), littleEndian: true },
    };
  }
  throw new UnusableFileError(`${file}: not a DICOM file (no "DICM" marker at byte 128)`);
}

/** The wanted elements of the data set, up to the pixel data's element header. */
function readBody(
  src: Source,
  syntax: Syntax,
): { elements: Elements; groups: FunctionalGroups; pixelData?: { pixelStart: number; declaredBytes: number } } {
  const elements: Elements = new Map();
  const groups: FunctionalGroups = {};
  const { pixelData } = readElements(src, 0, syntax, elements, () => false, WANTED, groups);
  return { elements, groups, pixelData };
}

/**
 * Reads elements from `start` until the pixel data's element header, the end, or a tag for which
 * `stop(tag)` is true. Returns where it stopped and, when reached, where the pixel data starts.
 */
function readElements(
  src: Source,
  start: number,
  syntax: Syntax,
  out: Elements,
  stop: (t: number) => boolean,
  wanted: ReadonlySet<number> = WANTED,
  groups?: FunctionalGroups,
): { end: number; pixelData?: { pixelStart: number; declaredBytes: number } } {
  const { buf, file } = src;
  let pos = start;
  while (pos + 8 <= buf.length) {
    const group = syntax.littleEndian ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
    // The meta group is always little endian; a big-endian body starts after it.
    const element = syntax.littleEndian ? buf.readUInt16LE(pos + 2) : buf.readUInt16BE(pos + 2);
    const t = tag(group, element);
    if (stop(t)) return { end: pos };
    const header = readLength(src, pos, syntax, t);
    if (t === T.pixelData) {
      if ((header.length === UNDEFINED) !== Boolean(syntax.codec))
        throw new UnusableFileError(
          syntax.codec
            ? `${file}: ${syntax.name} transfer syntax but the pixel data are not encapsulated`
            : `${file}: encapsulated (compressed) pixel data in an uncompressed transfer syntax`,
        );
      return { end: header.valueStart, pixelData: { pixelStart: header.valueStart, declaredBytes: header.length } };
    }
    pos = header.valueStart;
    if (groups && (t === T.sharedGroups || t === T.perFrameGroups)) {
      const sequence = readItems(src, pos, header.length, syntax, 0);
      if (t === T.sharedGroups) groups.shared = sequence.items[0];
      else groups.perFrame = sequence.items;
      pos = sequence.end;
      continue;
    }
    if (header.length === UNDEFINED) {
      pos = skipUndefined(src, pos, syntax, 0);
      continue;
    }
    if (pos + header.length > buf.length) throw cutShort(src, `truncated element (${hex(t)}) at byte ${pos}`);
    if (wanted.has(t)) out.set(t, buf.subarray(pos, pos + header.length));
    pos += header.length;
  }
  if (src.partial) throw new NeedMoreBytes();
  return { end: pos };
}

function readLength(src: Source, pos: number, syntax: Syntax, t: number): { length: number; valueStart: number } {
  const { buf, file } = src;
  const u16 = (o: number) => (syntax.littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (syntax.littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // Items and delimiters never carry a VR.
  if (!syntax.explicit || t >>> 16 === 0xfffe) return { length: u32(pos + 4), valueStart: pos + 8 };
  const vr = buf.toString('latin1', pos + 4, pos + 6);
  if (!/^[A-Z]{2}$/.test(vr))
    throw new UnusableFileError(
      `${file}: corrupt element header at byte ${pos} (VR "${vr.replace(/[^\x20-\x7e]/g, '?')}")`,
    );
  if (LONG_VRS.has(vr)) {
    if (pos + 12 > buf.length) throw cutShort(src, `truncated element header at byte ${pos}`);
    return { length: u32(pos + 8), valueStart: pos + 12 };
  }
  return { length: u16(pos + 6), valueStart: pos + 8 };
}

/** Skips a sequence (or item) of undefined length, nested ones included; returns the position after its delimiter. */
function skipUndefined(src: Source, start: number, syntax: Syntax, depth: number): number {
  const { buf, file } = src;
  if (depth > 32) throw new UnusableFileError(`${file}: sequences nested too deep`);
  let pos = start;
  while (pos + 8 <= buf.length) {
    const group = syntax.littleEndian ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
    const element = syntax.littleEndian ? buf.readUInt16LE(pos + 2) : buf.readUInt16BE(pos + 2);
    const t = tag(group, element);
    const header = readLength(src, pos, syntax, t);
    pos = header.valueStart;
    if (t === T.sequenceEnd || t === T.itemEnd) return pos;
    if (header.length === UNDEFINED) pos = skipUndefined(src, pos, syntax, depth + 1);
    else {
      if (pos + header.length > buf.length) throw cutShort(src, `truncated sequence at byte ${pos}`);
      // An item of defined length inside a sequence holds elements we do not need: skip it whole.
      pos += header.length;
    }
  }
  throw cutShort(src, 'truncated: a sequence is not closed');
}

/** The items of a sequence starting at `start` (its value), each flattened: nested macros' attributes join their item. */
function readItems(
  src: Source,
  start: number,
  length: number,
  syntax: Syntax,
  depth: number,
): { items: Elements[]; end: number } {
  const { buf, file } = src;
  if (depth > 8) throw new UnusableFileError(`${file}: sequences nested too deep`);
  const defined = length !== UNDEFINED;
  const limit = defined ? start + length : buf.length;
  if (limit > buf.length) throw cutShort(src, `truncated sequence at byte ${start}`);
  const items: Elements[] = [];
  let pos = start;
  while (pos < limit) {
    if (pos + 8 > buf.length) break;
    const t = tagAt(buf, pos, syntax);
    const itemLength = syntax.littleEndian ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
    pos += 8;
    if (t === T.sequenceEnd) return { items, end: pos };
    if (t !== T.item) throw new UnusableFileError(`${file}: corrupt sequence at byte ${pos - 8} (no item tag)`);
    const item: Elements = new Map();
    pos = readItem(src, pos, itemLength, syntax, item, depth);
    items.push(item);
  }
  if (!defined) throw cutShort(src, 'truncated: a sequence is not closed');
  return { items, end: limit };
}

/** One item's wanted attributes into `out`, nested sequences walked; returns the position after the item. */
function readItem(src: Source, start: number, length: number, syntax: Syntax, out: Elements, depth: number): number {
  const { buf } = src;
  const defined = length !== UNDEFINED;
  const limit = defined ? start + length : buf.length;
  if (limit > buf.length) throw cutShort(src, `truncated sequence item at byte ${start}`);
  let pos = start;
  while (pos + 8 <= limit) {
    const t = tagAt(buf, pos, syntax);
    const header = readLength(src, pos, syntax, t);
    if (t === T.itemEnd) return header.valueStart;
    const vr = syntax.explicit && t >>> 16 !== 0xfffe ? buf.toString('latin1', pos + 4, pos + 6) : undefined;
    if (header.length === UNDEFINED || vr === 'SQ' || (!syntax.explicit && GROUP_MACROS.has(t))) {
      const nested = readItems(src, header.valueStart, header.length, syntax, depth + 1);
      // A macro holds one item: its attributes are this frame's (the first one found is kept).
      for (const item of nested.items) for (const [k, v] of item) if (!out.has(k)) out.set(k, v);
      pos = nested.end;
      continue;
    }
    if (header.valueStart + header.length > buf.length)
      throw cutShort(src, `truncated element (${hex(t)}) at byte ${header.valueStart}`);
    if (WANTED.has(t)) out.set(t, buf.subarray(header.valueStart, header.valueStart + header.length));
    pos = header.valueStart + header.length;
  }
  if (!defined) throw cutShort(src, 'truncated: a sequence item is not closed');
  return limit;
}

function tagAt(buf: Buffer, pos: number, syntax: Syntax): number {
  return syntax.littleEndian
    ? tag(buf.readUInt16LE(pos), buf.readUInt16LE(pos + 2))
    : tag(buf.readUInt16BE(pos), buf.readUInt16BE(pos + 2));
}

type HeaderLayout = Pick<PixelLayout, 'bodyStart' | 'encoding' | 'syntax'> & {
  pixelStart?: number;
  declaredBytes?: number;
};

function describe(
  top: Elements,
  groups: FunctionalGroups,
  where: HeaderLayout,
  file: string,
  limits: InputLimits,
): DicomHeader {
  const { syntax } = where;
  // An enhanced image keeps position, orientation, spacing and rescale in its functional groups.
  const el = { get: (t: number) => top.get(t) ?? groups.shared?.get(t) ?? groups.perFrame?.[0]?.get(t) };
  const num = (t: number) => uint(el.get(t), syntax);
  const rows = num(T.rows);
  const columns = num(T.columns);
  if (!rows || !columns)
    throw new UnusableFileError(`${file}: no image (Rows/Columns missing; a DICOM report or structured document?)`);
  const frames = Math.max(1, Math.floor(numbers(el.get(T.frames))[0] ?? 1));
  const samples = num(T.samplesPerPixel) ?? 1;
  const bitsAllocated = num(T.bitsAllocated) ?? 16;
  const bitsStored = num(T.bitsStored) ?? bitsAllocated;
  const signed = num(T.pixelRepresentation) === 1;
  checkVoxelLimit(rows * columns * frames * samples, limits.maxVoxels, file);
  if (where.pixelStart === undefined || where.declaredBytes === undefined)
    throw new UnusableFileError(`${file}: no pixel data`);
  if (![8, 16, 32].includes(bitsAllocated))
    throw new UnusableFileError(`${file}: ${bitsAllocated} bits allocated per pixel is not supported (8, 16 or 32)`);
  if (samples !== 1 && samples !== 3)
    throw new UnusableFileError(`${file}: ${samples} samples per pixel is not supported`);
  const bytes = bitsAllocated / 8;
  const needed = rows * columns * frames * samples * bytes;
  checkByteLimit(needed, limits.maxBytes, file);
  if (where.declaredBytes < needed)
    throw new UnusableFileError(
      `${file}: truncated: pixel data has ${where.declaredBytes} bytes, ${rows}x${columns}x${frames} pixels need ${needed}`,
    );
  const pixelType: PixelArrayClass =
    samples === 3 || bytes === 1
      ? signed && samples === 1
        ? Int8Array
        : Uint8Array
      : bytes === 2
        ? signed
          ? Int16Array
          : Uint16Array
        : signed
          ? Int32Array
          : Uint32Array;
  const center = numbers(el.get(T.windowCenter))[0];
  const width = numbers(el.get(T.windowWidth))[0];
  const position = numbers(el.get(T.position));
  const orientation = numbers(el.get(T.orientation));
  const spacing = numbers(el.get(T.pixelSpacing));
  const slope = numbers(el.get(T.slope))[0];
  const framePositions = perFramePositions(groups, frames, file);
  return {
    file,
    rows,
    columns,
    frames,
    pixelType,
    slope: slope !== undefined && slope !== 0 ? slope : 1,
    intercept: numbers(el.get(T.intercept))[0] ?? 0,
    modality: text(el.get(T.modality)),
    seriesUid: text(el.get(T.seriesUid)),
    instanceNumber: numbers(el.get(T.instanceNumber))[0],
    position: position.length === 3 ? (position as Vec3) : undefined,
    framePositions,
    orientation:
      orientation.length === 6 ? [orientation.slice(0, 3) as Vec3, orientation.slice(3, 6) as Vec3] : undefined,
    pixelSpacing: spacing.length === 2 && spacing.every((s) => s > 0) ? (spacing as [number, number]) : undefined,
    sliceThickness: numbers(el.get(T.sliceThickness))[0],
    window: center !== undefined && width !== undefined && width > 0 ? { level: center, width } : undefined,
    layout: {
      bodyStart: where.bodyStart,
      encoding: where.encoding,
      syntax,
      pixelStart: where.pixelStart,
      pixelBytes: needed,
      encapsulated: where.declaredBytes === UNDEFINED,
      samples,
      bitsAllocated,
      bitsStored,
      signed,
      planar: num(T.planar) === 1,
      monochrome1: text(el.get(T.photometric)) === 'MONOCHROME1',
    },
  };
}

/** Each frame's position, when every frame of an enhanced image has one; frames rescaled apart are refused. */
function perFramePositions(groups: FunctionalGroups, frames: number, file: string): Vec3[] | undefined {
  const items = groups.perFrame;
  if (!items || items.length !== frames) return undefined;
  const rescale = new Set(items.map((item) => `${text(item.get(T.slope))}\\${text(item.get(T.intercept))}`));
  if (rescale.size > 1)
    throw new UnusableFileError(
      `${file}: its frames have ${rescale.size} different rescale slopes/intercepts, which is not supported: the stack holds one rescale`,
    );
  const positions = items.map((item) => numbers(item.get(T.position)));
  return positions.every((p) => p.length === 3) ? (positions as Vec3[]) : undefined;
}

/** Stored pixel bytes (exactly `layout.pixelBytes`) to values: byte order, stored bits, MONOCHROME1 and RGB handled. */
function decodePixels(header: DicomHeader, data: Buffer): VoxelArray {
  const { layout } = header;
  const count = header.rows * header.columns * header.frames;
  if (layout.samples === 3) return rgbToGray(data, header.rows * header.columns, header.frames, layout.planar);
  const pixels = new header.pixelType(count);
  const target = new Uint8Array(pixels.buffer, 0, layout.pixelBytes);
  target.set(data.subarray(0, layout.pixelBytes));
  if (!layout.syntax.littleEndian && layout.bitsAllocated > 8) swapBytes(target, layout.bitsAllocated / 8);
  if (layout.bitsStored < layout.bitsAllocated) keepStoredBits(pixels, layout.bitsStored, layout.signed);
  if (layout.monochrome1) invert(pixels, layout.bitsStored, layout.signed);
  return pixels;
}

function uint(value: Buffer | undefined, syntax: Syntax): number | undefined {
  if (!value || value.length < 2) return undefined;
  return syntax.littleEndian ? value.readUInt16LE(0) : value.readUInt16BE(0);
}

function text(value: Buffer | undefined): string | undefined {
  if (!value) return undefined;
  const s = value
    .toString('latin1')
    .replace(/[\0 ]+$/g, '')
    .trim();
  return s || undefined;
}

/** A decimal or integer string (DS, IS), possibly multi-valued with "\\". */
function numbers(value: Buffer | undefined): number[] {
  const s = text(value);
  if (!s) return [];
  return s
    .split('\\')
    .map((v) => Number(v.trim()))
    .filter((v) => Number.isFinite(v));
}

function keepStoredBits(pixels: VoxelArray, bitsStored: number, signed: boolean): void {
  const shift = 32 - bitsStored;
  for (let i = 0; i < pixels.length; i++)
    pixels[i] = signed ? (pixels[i] << shift) >> shift : pixels[i] & ((2 ** bitsStored - 1) >>> 0);
}

/** MONOCHROME1 shows high values dark: flip so that, like MONOCHROME2, high is bright. */
function invert(pixels: VoxelArray, bitsStored: number, signed: boolean): void {
  const max = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const min = signed ? -(2 ** (bitsStored - 1)) : 0;
  for (let i = 0; i < pixels.length; i++) pixels[i] = max + min - pixels[i];
}

/** Rec. 709 luminance; with PlanarConfiguration 1 each frame holds its own red, green and blue planes in turn. */
function rgbToGray(data: Buffer, perFrame: number, frames: number, planar: boolean): Uint8Array {
  const out = new Uint8Array(perFrame * frames);
  for (let i = 0; i < out.length; i++) {
    const plane = 3 * perFrame * Math.floor(i / perFrame) + (i % perFrame);
    const [r, g, b] = planar
      ? [data[plane], data[plane + perFrame], data[plane + 2 * perFrame]]
      : [data[3 * i], data[3 * i + 1], data[3 * i + 2]];
    out[i] = Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
  }
  return out;
}

function hex(t: number): string {
  return `${(t >>> 16).toString(16).padStart(4, '0')},${(t & 0xffff).toString(16).padStart(4, '0')}`;
}
