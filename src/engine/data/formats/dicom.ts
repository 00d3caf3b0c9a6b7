/**
 * DICOM Part 10 files with uncompressed pixel data: implicit and explicit VR little endian,
 * explicit VR big endian and deflated explicit little endian. Any other transfer syntax (JPEG,
 * JPEG-LS, JPEG 2000, RLE, video) is refused with its name and how to convert it. Only the
 * attributes needed to place and scale the pixels are read; sequences are skipped whole.
 */
import * as zlib from 'node:zlib';
import type { Vec3, VoxelArray } from '../volume';
import { swapBytes } from './nifti';
import { UnusableFileError, checkVoxelLimit } from './errors';

export interface DicomImage {
  rows: number;
  columns: number;
  frames: number;
  /** rows * columns * frames stored values, row-major, frames one after another. */
  pixels: VoxelArray;
  slope: number;
  intercept: number;
  modality?: string;
  seriesUid?: string;
  instanceNumber?: number;
  /** ImagePositionPatient (LPS, mm) of the first pixel. */
  position?: Vec3;
  /** ImageOrientationPatient: direction of increasing column index, then of increasing row index (LPS). */
  orientation?: [Vec3, Vec3];
  /** PixelSpacing: between rows, between columns (mm). */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  window?: { level: number; width: number };
}

const SYNTAXES: Record<string, { explicit: boolean; littleEndian: boolean; deflated?: boolean }> = {
  '1.2.840.10008.1.2': { explicit: false, littleEndian: true },
  '1.2.840.10008.1.2.1': { explicit: true, littleEndian: true },
  '1.2.840.10008.1.2.2': { explicit: true, littleEndian: false },
  '1.2.840.10008.1.2.1.99': { explicit: true, littleEndian: true, deflated: true },
};

const COMPRESSED_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
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
  item: tag(0xfffe, 0xe000),
  itemEnd: tag(0xfffe, 0xe00d),
  sequenceEnd: tag(0xfffe, 0xe0dd),
};
const WANTED = new Set(Object.values(T));
const UNDEFINED = 0xffffffff;

interface Syntax {
  explicit: boolean;
  littleEndian: boolean;
}

/** Raw values of the wanted top-level elements. */
type Elements = Map<number, Buffer>;

export function parseDicom(input: Buffer, file: string, maxVoxels: number): DicomImage {
  let buf = input;
  let pos: number;
  let syntax: Syntax;
  if (buf.length >= 132 && buf.toString('latin1', 128, 132) === 'DICM') {
    const meta: Elements = new Map();
    pos = readElements(buf, 132, { explicit: true, littleEndian: true }, meta, file, (t) => t >>> 16 !== 0x0002);
    const uid = text(meta.get(T.transferSyntax)) ?? '1.2.840.10008.1.2.1';
    const known = SYNTAXES[uid];
    if (!known) {
      const name = COMPRESSED_NAMES[uid];
      throw new UnusableFileError(`${file}: transfer syntax ${name ? `${name} (${uid})` : uid} is not supported: only uncompressed DICOM is read; convert it first, e.g. "gdcmconv --raw in.dcm out.dcm" or "dcmdjpeg in.dcm out.dcm"`);
    }
    if (known.deflated) {
      try {
        buf = Buffer.concat([buf.subarray(0, pos), zlib.inflateRawSync(buf.subarray(pos), { maxOutputLength: Math.max(1 << 20, maxVoxels * 4 + (1 << 20)) })]);
      } catch (err) {
        throw new UnusableFileError(`${file}: deflated data set is corrupt (${(err as Error).message})`);
      }
    }
    syntax = known;
  } else if (buf.length >= 8 && (buf.readUInt16LE(0) === 0x0008 || buf.readUInt16LE(0) === 0x0002)) {
    // No preamble: an old raw data set, nearly always implicit VR little endian.
    pos = 0;
    syntax = { explicit: /^[A-Z]{2}$/.test(buf.toString('latin1', 4, 6)), littleEndian: true };
  } else throw new UnusableFileError(`${file}: not a DICOM file (no "DICM" marker at byte 128)`);

  const elements: Elements = new Map();
  readElements(buf, pos, syntax, elements, file, () => false);
  return decodeImage(elements, syntax, file, maxVoxels);
}

/** Reads elements from `pos` until the end, or until `stop(tag)` is true; returns where it stopped. */
function readElements(buf: Buffer, start: number, syntax: Syntax, out: Elements, file: string, stop: (t: number) => boolean): number {
  let pos = start;
  while (pos + 8 <= buf.length) {
    const group = syntax.littleEndian ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
    // The meta group is always little endian; a big-endian body starts after it.
    const element = syntax.littleEndian ? buf.readUInt16LE(pos + 2) : buf.readUInt16BE(pos + 2);
    const t = tag(group, element);
    if (stop(t)) return pos;
    const header = readLength(buf, pos, syntax, t, file);
    pos = header.valueStart;
    if (header.length === UNDEFINED) {
      if (t === T.pixelData) throw new UnusableFileError(`${file}: encapsulated (compressed) pixel data in an uncompressed transfer syntax`);
      pos = skipUndefined(buf, pos, syntax, file, 0);
      continue;
    }
    if (pos + header.length > buf.length) {
      if (t === T.pixelData) throw new UnusableFileError(`${file}: truncated: pixel data needs ${header.length} bytes, ${buf.length - pos} remain`);
      throw new UnusableFileError(`${file}: truncated element (${hex(t)}) at byte ${pos}`);
    }
    if (WANTED.has(t)) out.set(t, buf.subarray(pos, pos + header.length));
    pos += header.length;
  }
  return pos;
}

function readLength(buf: Buffer, pos: number, syntax: Syntax, t: number, file: string): { length: number; valueStart: number } {
  const u16 = (o: number) => (syntax.littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (syntax.littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // Items and delimiters never carry a VR.
  if (!syntax.explicit || t >>> 16 === 0xfffe) return { length: u32(pos + 4), valueStart: pos + 8 };
  const vr = buf.toString('latin1', pos + 4, pos + 6);
  if (!/^[A-Z]{2}$/.test(vr)) throw new UnusableFileError(`${file}: corrupt element header at byte ${pos} (VR "${vr.replace(/[^\x20-\x7e]/g, '?')}")`);
  if (LONG_VRS.has(vr)) {
    if (pos + 12 > buf.length) throw new UnusableFileError(`${file}: truncated element header at byte ${pos}`);
    return { length: u32(pos + 8), valueStart: pos + 12 };
  }
  return { length: u16(pos + 6), valueStart: pos + 8 };
}

/** Skips a sequence (or item) of undefined length, nested ones included; returns the position after its delimiter. */
function skipUndefined(buf: Buffer, start: number, syntax: Syntax, file: string, depth: number): number {
  if (depth > 32) throw new UnusableFileError(`${file}: sequences nested too deep`);
  let pos = start;
  while (pos + 8 <= buf.length) {
    const group = syntax.littleEndian ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
    const element = syntax.littleEndian ? buf.readUInt16LE(pos + 2) : buf.readUInt16BE(pos + 2);
    const t = tag(group, element);
    const header = readLength(buf, pos, syntax, t, file);
    pos = header.valueStart;
    if (t === T.sequenceEnd || t === T.itemEnd) return pos;
    if (header.length === UNDEFINED) pos = skipUndefined(buf, pos, syntax, file, depth + 1);
    else {
      if (pos + header.length > buf.length) throw new UnusableFileError(`${file}: truncated sequence at byte ${pos}`);
      // An item of defined length inside a sequence holds elements we do not need: skip it whole.
      pos += header.length;
    }
  }
  throw new UnusableFileError(`${file}: truncated: a sequence is not closed`);
}

function decodeImage(el: Elements, syntax: Syntax, file: string, maxVoxels: number): DicomImage {
  const num = (t: number) => uint(el.get(t), syntax);
  const rows = num(T.rows);
  const columns = num(T.columns);
  if (!rows || !columns) throw new UnusableFileError(`${file}: no image (Rows/Columns missing; a DICOM report or structured document?)`);
  const frames = Math.max(1, Math.floor(numbers(el.get(T.frames))[0] ?? 1));
  const samples = num(T.samplesPerPixel) ?? 1;
  const bitsAllocated = num(T.bitsAllocated) ?? 16;
  const bitsStored = num(T.bitsStored) ?? bitsAllocated;
  const signed = num(T.pixelRepresentation) === 1;
  checkVoxelLimit(rows * columns * frames * samples, maxVoxels, file);
  const data = el.get(T.pixelData);
  if (!data) throw new UnusableFileError(`${file}: no pixel data`);
  if (![8, 16, 32].includes(bitsAllocated)) throw new UnusableFileError(`${file}: ${bitsAllocated} bits allocated per pixel is not supported (8, 16 or 32)`);
  if (samples !== 1 && samples !== 3) throw new UnusableFileError(`${file}: ${samples} samples per pixel is not supported`);
  const bytes = bitsAllocated / 8;
  const count = rows * columns * frames;
  const needed = count * samples * bytes;
  if (data.length < needed) throw new UnusableFileError(`${file}: truncated: pixel data has ${data.length} bytes, ${rows}x${columns}x${frames} pixels need ${needed}`);

  let pixels: VoxelArray;
  if (samples === 3) pixels = rgbToGray(data, count, num(T.planar) === 1);
  else {
    pixels = bytes === 1 ? (signed ? new Int8Array(count) : new Uint8Array(count)) : bytes === 2 ? (signed ? new Int16Array(count) : new Uint16Array(count)) : signed ? new Int32Array(count) : new Uint32Array(count);
    const target = new Uint8Array(pixels.buffer, 0, needed);
    target.set(data.subarray(0, needed));
    if (!syntax.littleEndian && bytes > 1) swapBytes(target, bytes);
    if (bitsStored < bitsAllocated) keepStoredBits(pixels, bitsStored, signed);
    if (text(el.get(T.photometric)) === 'MONOCHROME1') invert(pixels, bitsStored, signed);
  }
  const center = numbers(el.get(T.windowCenter))[0];
  const width = numbers(el.get(T.windowWidth))[0];
  const position = numbers(el.get(T.position));
  const orientation = numbers(el.get(T.orientation));
  const spacing = numbers(el.get(T.pixelSpacing));
  const slope = numbers(el.get(T.slope))[0];
  return {
    rows,
    columns,
    frames,
    pixels,
    slope: slope !== undefined && slope !== 0 ? slope : 1,
    intercept: numbers(el.get(T.intercept))[0] ?? 0,
    modality: text(el.get(T.modality)),
    seriesUid: text(el.get(T.seriesUid)),
    instanceNumber: numbers(el.get(T.instanceNumber))[0],
    position: position.length === 3 ? (position as Vec3) : undefined,
    orientation: orientation.length === 6 ? [orientation.slice(0, 3) as Vec3, orientation.slice(3, 6) as Vec3] : undefined,
    pixelSpacing: spacing.length === 2 && spacing.every((s) => s > 0) ? (spacing as [number, number]) : undefined,
    sliceThickness: numbers(el.get(T.sliceThickness))[0],
    window: center !== undefined && width !== undefined && width > 0 ? { level: center, width } : undefined,
  };
}

function uint(value: Buffer | undefined, syntax: Syntax): number | undefined {
  if (!value || value.length < 2) return undefined;
  return syntax.littleEndian ? value.readUInt16LE(0) : value.readUInt16BE(0);
}

function text(value: Buffer | undefined): string | undefined {
  if (!value) return undefined;
  const s = value.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  return s || undefined;
}

/** A decimal or integer string (DS, IS), possibly multi-valued with "\\". */
function numbers(value: Buffer | undefined): number[] {
  const s = text(value);
  if (!s) return [];
  return s.split('\\').map((v) => Number(v.trim())).filter((v) => Number.isFinite(v));
}

function keepStoredBits(pixels: VoxelArray, bitsStored: number, signed: boolean): void {
  const shift = 32 - bitsStored;
  for (let i = 0; i < pixels.length; i++) pixels[i] = signed ? (pixels[i] << shift) >> shift : pixels[i] & ((2 ** bitsStored - 1) >>> 0);
}

/** MONOCHROME1 shows high values dark: flip so that, like MONOCHROME2, high is bright. */
function invert(pixels: VoxelArray, bitsStored: number, signed: boolean): void {
  const max = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const min = signed ? -(2 ** (bitsStored - 1)) : 0;
  for (let i = 0; i < pixels.length; i++) pixels[i] = max + min - pixels[i];
}

function rgbToGray(data: Buffer, count: number, planar: boolean): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const [r, g, b] = planar ? [data[i], data[count + i], data[2 * count + i]] : [data[3 * i], data[3 * i + 1], data[3 * i + 2]];
    out[i] = Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
  }
  return out;
}

function hex(t: number): string {
  return `${(t >>> 16).toString(16).padStart(4, '0')},${(t & 0xffff).toString(16).padStart(4, '0')}`;
}
