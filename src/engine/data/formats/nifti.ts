/**
 * The NIfTI family: NIfTI-1 and NIfTI-2 single files (`.nii`, `.nii.gz`) and header/image pairs
 * (`.hdr` + `.img` or `.img.gz`), and Analyze 7.5 pairs. The three formats hold the same facts at
 * different places and widths, so each has one table of where its fields lie and one reader
 * serves all: orientation (sform, else qform, else voxel sizes; Analyze has none and is read the
 * way SPM and nibabel read it, x running right to left), data types uint8/int8/int16/uint16/
 * int32/uint32/float32/float64, either byte order, `scl_slope`/`scl_inter` (Analyze: SPM's
 * scale factor). The header is read first and checked against the voxel and byte limits and (for
 * a plain file) the file's length; only then are the voxels read, and a gzipped file is inflated
 * no further than the size its header declares.
 */
import * as fs from 'node:fs';
import type { Vec3, Volume } from '../volume';
import { corruptIsUnusable, openBytes, readPrefix } from './byteSource';
import type { InputLimits } from './errors';
import { UnusableFileError, checkByteLimit, checkVoxelLimit } from './errors';
import type { VoxelTypeName } from './voxelData';
import { VOXEL_TYPE_NAMES, bytesPerVoxel, readPayload, voxelsFrom } from './voxelData';

type NumberType = 'i16' | 'i32' | 'i64' | 'f32' | 'f64';

/** A header field (the first of an array): its byte offset and type. */
interface Field {
  at: number;
  type: NumberType;
}

/** Where one format keeps each fact its reader needs. */
interface HeaderLayout {
  format: 'NIfTI-1' | 'NIfTI-2' | 'Analyze 7.5';
  /** `sizeof_hdr`, the first field of all three: also tells the byte order. */
  bytes: number;
  dim: Field;
  datatype: Field;
  pixdim: Field;
  voxOffset: Field;
  slope: Field;
  intercept?: Field;
  /** NIfTI's orientation fields; Analyze has none. */
  orientation?: { qformCode: Field; sformCode: Field; quatern: Field; srow: Field };
  /** Where its magic lies, and the magic of a single file and of a header/image pair. */
  magic?: { at: number; single: string; pair: string };
}

const NIFTI1: HeaderLayout = {
  format: 'NIfTI-1',
  bytes: 348,
  dim: { at: 40, type: 'i16' },
  datatype: { at: 70, type: 'i16' },
  pixdim: { at: 76, type: 'f32' },
  voxOffset: { at: 108, type: 'f32' },
  slope: { at: 112, type: 'f32' },
  intercept: { at: 116, type: 'f32' },
  orientation: {
    qformCode: { at: 252, type: 'i16' },
    sformCode: { at: 254, type: 'i16' },
    quatern: { at: 256, type: 'f32' },
    srow: { at: 280, type: 'f32' },
  },
  magic: { at: 344, single: 'n+1', pair: 'ni1' },
};

const NIFTI2: HeaderLayout = {
  format: 'NIfTI-2',
  bytes: 540,
  dim: { at: 16, type: 'i64' },
  datatype: { at: 12, type: 'i16' },
  pixdim: { at: 104, type: 'f64' },
  voxOffset: { at: 168, type: 'i64' },
  slope: { at: 176, type: 'f64' },
  intercept: { at: 184, type: 'f64' },
  orientation: {
    qformCode: { at: 344, type: 'i32' },
    sformCode: { at: 348, type: 'i32' },
    quatern: { at: 352, type: 'f64' },
    srow: { at: 400, type: 'f64' },
  },
  magic: { at: 4, single: 'n+2', pair: 'ni2' },
};

/** Analyze 7.5: NIfTI-1's ancestor, same places for the fields they share; SPM keeps a scale factor in `funused1`. */
const ANALYZE: HeaderLayout = {
  format: 'Analyze 7.5',
  bytes: 348,
  dim: NIFTI1.dim,
  datatype: NIFTI1.datatype,
  pixdim: NIFTI1.pixdim,
  voxOffset: NIFTI1.voxOffset,
  slope: { at: 112, type: 'f32' },
};

const WIDTH: Record<NumberType, number> = { i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 };
const MAX_HEADER = NIFTI2.bytes;

const DATATYPES: Record<number, VoxelTypeName> = {
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  64: 'float64',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
};
const UNSUPPORTED_TYPES: Record<number, string> = {
  1: 'binary',
  32: 'complex64',
  128: 'RGB24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

interface NiftiHeader {
  dims: Vec3;
  frames: number;
  type: VoxelTypeName;
  voxOffset: number;
  littleEndian: boolean;
  slope: number;
  intercept: number;
  axes: [Vec3, Vec3, Vec3];
}

/** A file of the NIfTI family: a single file, or the header of a pair (its `.img` is not a source of its own). */
export function isNiftiPath(file: string): boolean {
  return /\.(nii(\.gz)?|hdr)$/i.test(file);
}

export async function readNifti(file: string, limits: InputLimits): Promise<Volume> {
  const pair = /\.hdr$/i.test(file);
  const first = await readStart(file);
  const gzipped = isGzip(first);
  const headerBytes = gzipped ? await inflatedStart(file) : first;
  const header = parseNiftiHeader(headerBytes, limits, file, pair);
  const count = voxelCount(header);
  const bytes = count * bytesPerVoxel(header.type);
  const data = pair ? await imageFileOf(file) : { file, gzipped };
  const voxels = await readPayload({
    file: data.file,
    fileOffset: 0,
    encoding: data.gzipped ? 'gzip' : 'plain',
    skip: header.voxOffset,
    bytes,
  });
  return {
    dims: header.dims,
    frames: header.frames,
    axes: header.axes,
    voxels: voxelsFrom(voxels, header.type, count, header.littleEndian),
    slope: header.slope,
    intercept: header.intercept,
    hints: { eightBit: header.type === 'uint8' && header.slope === 1 && header.intercept === 0 },
  };
}

/**
 * The header fields kept as a sample's metadata (metadata/poolMetadata.ts): the format, datatype
 * name, voxel size (pixdim[1..3], mm) and the free-text `descrip` (NIfTI-1/2 and Analyze keep it
 * in 80 bytes at 148, NIfTI-2 at 240). Read from the header only.
 */
export async function readNiftiHeaderFields(file: string): Promise<Record<string, string>> {
  const first = await readStart(file);
  const buf = isGzip(first) ? await inflatedStart(file) : first;
  const { layout, littleEndian } = layoutOf(buf, file);
  if (buf.length < layout.bytes) throw new UnusableFileError(`${file}: too short for a ${layout.format} header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const read = (field: Field, index = 0) => readNumber(view, field, index, littleEndian);
  const code = read(layout.datatype);
  const descripAt = layout === NIFTI2 ? 240 : 148;
  const descrip = buf
    .toString('latin1', descripAt, descripAt + 80)
    .replace(/\0[\s\S]*$/, '')
    .trim();
  const pixdim = [1, 2, 3].map((i) => Number(read(layout.pixdim, i).toPrecision(6)));
  return {
    format: layout.format,
    datatype: DATATYPES[code] ?? UNSUPPORTED_TYPES[code] ?? String(code),
    pixdim: pixdim.join(' x '),
    ...(descrip ? { descrip } : {}),
  };
}

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The first bytes of a file, as many as the largest header. */
async function readStart(file: string): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const first = Buffer.alloc(MAX_HEADER);
    const { bytesRead } = await handle.read(first, 0, MAX_HEADER, 0);
    return first.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The first bytes of a gzipped file, inflated no further than the largest header. */
async function inflatedStart(file: string): Promise<Buffer> {
  const prefix = await corruptIsUnusable(readPrefix(openBytes(file, 0, 'gzip'), MAX_HEADER), file, 'gzip data');
  return prefix.bytes;
}

/** The image file of a pair: `x.img` beside `x.hdr`, or `x.img.gz`. */
async function imageFileOf(header: string): Promise<{ file: string; gzipped: boolean }> {
  const stem = header.slice(0, -'.hdr'.length);
  const extension = header.slice(-'hdr'.length) === 'HDR' ? 'IMG' : 'img';
  for (const file of [`${stem}.${extension}`, `${stem}.${extension}.gz`]) {
    const start = await readStart(file).catch(() => undefined);
    if (start) return { file, gzipped: isGzip(start) };
  }
  throw new UnusableFileError(
    `${header}: the image file ${stem}.${extension} that holds this header's voxels is missing; keep the .hdr and .img together`,
  );
}

function voxelCount(h: Pick<NiftiHeader, 'dims' | 'frames'>): number {
  return h.dims[0] * h.dims[1] * h.dims[2] * h.frames;
}

/** The layout `sizeof_hdr` and the magic name, and the byte order `sizeof_hdr` is written in. */
function layoutOf(buf: Buffer, file: string): { layout: HeaderLayout; littleEndian: boolean } {
  if (buf.length < 4) throw new UnusableFileError(`${file}: too short for a NIfTI or Analyze header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === NIFTI2.bytes) return { layout: NIFTI2, littleEndian };
    if (size === NIFTI1.bytes) {
      const magic = buf.toString('latin1', NIFTI1.magic!.at, NIFTI1.magic!.at + 3);
      return { layout: magic === 'n+1' || magic === 'ni1' ? NIFTI1 : ANALYZE, littleEndian };
    }
  }
  throw new UnusableFileError(
    `${file}: not a NIfTI or Analyze file (sizeof_hdr is ${view.getInt32(0, true)}, expected 348 or 540)`,
  );
}

/** `pair`: the header sits in a `.hdr` and its voxels in an image file beside it. */
function parseNiftiHeader(buf: Buffer, limits: InputLimits, file: string, pair: boolean): NiftiHeader {
  const { layout, littleEndian } = layoutOf(buf, file);
  const { format } = layout;
  if (buf.length < layout.bytes)
    throw new UnusableFileError(
      `${file}: too short for a ${format} header (${buf.length} bytes, need ${layout.bytes})`,
    );
  checkMagic(buf, layout, file, pair);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const read = (field: Field, index = 0) => readNumber(view, field, index, littleEndian);
  const rank = read(layout.dim);
  if (rank < 2 || rank > 7) throw new UnusableFileError(`${file}: dim[0] is ${rank}; expected 2 to 7 dimensions`);
  const sizes = [1, 2, 3, 4, 5, 6, 7].map((i) => (i <= rank ? read(layout.dim, i) : 1));
  if (sizes.some((n) => !(n >= 1)))
    throw new UnusableFileError(`${file}: dimension sizes must be positive, got ${sizes.slice(0, rank).join(' x ')}`);
  if (sizes.slice(4).some((n) => n > 1))
    throw new UnusableFileError(
      `${file}: volumes with more than 4 dimensions are not supported (${sizes.slice(0, rank).join(' x ')})`,
    );
  const dims: Vec3 = [sizes[0], sizes[1], sizes[2]];
  const frames = sizes[3];
  checkVoxelLimit(dims[0] * dims[1] * dims[2] * frames, limits.maxVoxels, file);
  const code = read(layout.datatype);
  const type = DATATYPES[code];
  if (!type) {
    throw new UnusableFileError(
      `${file}: ${format} datatype ${code}${UNSUPPORTED_TYPES[code] ? ` (${UNSUPPORTED_TYPES[code]})` : ''} is not supported; use one of ${VOXEL_TYPE_NAMES}`,
    );
  }
  checkByteLimit(voxelCount({ dims, frames }) * bytesPerVoxel(type), limits.maxBytes, file);
  const rawOffset = read(layout.voxOffset);
  const voxOffset = Math.floor(rawOffset);
  const minOffset = pair ? 0 : layout.bytes;
  if (!(voxOffset >= minOffset) || voxOffset > 1 << 30)
    throw new UnusableFileError(
      `${file}: vox_offset ${rawOffset} is invalid for ${pair ? 'an image file' : `a single-file ${format}`} (at least ${minOffset})`,
    );
  const rawSlope = read(layout.slope);
  const useScaling = Number.isFinite(rawSlope) && rawSlope !== 0;
  const rawIntercept = layout.intercept ? read(layout.intercept) : 0;
  const pixdim = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => read(layout.pixdim, i));
  const spacing: Vec3 = [1, 2, 3].map((i) => (Number.isFinite(pixdim[i]) && pixdim[i] > 0 ? pixdim[i] : 1)) as Vec3;
  return {
    dims,
    frames,
    type,
    voxOffset,
    littleEndian,
    slope: useScaling ? rawSlope : 1,
    intercept: useScaling && Number.isFinite(rawIntercept) ? rawIntercept : 0,
    axes: layout.orientation
      ? orientationAxes(layout.orientation, (field, index) => read(field, index), spacing, pixdim[0])
      : // Analyze stores no orientation: SPM, FSL and nibabel take its x axis to run right to left.
        [
          [-spacing[0], 0, 0],
          [0, spacing[1], 0],
          [0, 0, spacing[2]],
        ],
  };
}

/** A single file must say so, and so must the header of a pair: the wrong one gets the fix in its message. */
function checkMagic(buf: Buffer, layout: HeaderLayout, file: string, pair: boolean): void {
  if (!layout.magic) {
    if (!pair)
      throw new UnusableFileError(
        `${file}: no NIfTI magic "n+1" (an Analyze 7.5 header?): name it .hdr and keep its .img beside it`,
      );
    return;
  }
  const magic = buf.toString('latin1', layout.magic.at, layout.magic.at + 3);
  if (magic === (pair ? layout.magic.pair : layout.magic.single)) return;
  if (magic === layout.magic.pair)
    throw new UnusableFileError(
      `${file}: the header of a ${layout.format} header/image pair; name it .hdr and keep its .img beside it`,
    );
  if (magic === layout.magic.single)
    throw new UnusableFileError(`${file}: a single-file ${layout.format} (magic "${magic}"); name it .nii`);
  throw new UnusableFileError(`${file}: missing the ${layout.format} magic "${layout.magic.single}"`);
}

function readNumber(view: DataView, field: Field, index: number, le: boolean): number {
  const at = field.at + index * WIDTH[field.type];
  switch (field.type) {
    case 'i16':
      return view.getInt16(at, le);
    case 'i32':
      return view.getInt32(at, le);
    case 'i64': {
      // Beyond 2^53 no volume is genuine; NaN makes the checks above refuse it.
      const value = view.getBigInt64(at, le);
      return value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)
        ? Number.NaN
        : Number(value);
    }
    case 'f32':
      return view.getFloat32(at, le);
    case 'f64':
      return view.getFloat64(at, le);
  }
}

/** Voxel-axis directions in RAS+ mm: the sform when set, else the qform quaternion, else plain voxel sizes. */
function orientationAxes(
  fields: NonNullable<HeaderLayout['orientation']>,
  read: (field: Field, index: number) => number,
  spacing: Vec3,
  qfacRaw: number,
): [Vec3, Vec3, Vec3] {
  if (read(fields.sformCode, 0) > 0) {
    const rows = [0, 1, 2].map((r) => [0, 1, 2].map((c) => read(fields.srow, 4 * r + c)));
    const axes = [0, 1, 2].map((c) => [rows[0][c], rows[1][c], rows[2][c]] as Vec3) as [Vec3, Vec3, Vec3];
    if (axes.every((a) => a.every(Number.isFinite) && a.some((v) => v !== 0))) return axes;
  }
  if (read(fields.qformCode, 0) > 0) {
    const [b, c, d] = [0, 1, 2].map((i) => read(fields.quatern, i));
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = qfacRaw < 0 ? -1 : 1;
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const scale = [spacing[0], spacing[1], spacing[2] * qfac];
    const axes = [0, 1, 2].map(
      (col) => [r[0][col] * scale[col], r[1][col] * scale[col], r[2][col] * scale[col]] as Vec3,
    ) as [Vec3, Vec3, Vec3];
    if (axes.every((v) => v.every(Number.isFinite))) return axes;
  }
  return [
    [spacing[0], 0, 0],
    [0, spacing[1], 0],
    [0, 0, spacing[2]],
  ];
}
