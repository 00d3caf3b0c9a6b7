/**
 * NIfTI-1 single-file volumes (`.nii`, `.nii.gz`): header, orientation (sform, else qform, else
 * voxel sizes), data types uint8/int8/int16/uint16/int32/uint32/float32/float64, either byte
 * order, `scl_slope`/`scl_inter`. The header is read first and checked against the voxel and
 * byte limits and (for `.nii`) the file's length; only then are the voxels read, and a gzipped
 * file is inflated no further than the size its header declares.
 */
import * as fs from 'node:fs';
import type { Vec3, Volume, VoxelArray } from '../volume';
import type { Prefix } from './byteSource';
import { corruptIsUnusable, openBytes, readPrefix } from './byteSource';
import type { InputLimits } from './errors';
import { UnusableFileError, checkByteLimit, checkVoxelLimit } from './errors';

const HEADER_BYTES = 348;

type TypedArrayClass = {
  new (n: number): VoxelArray;
  new (buffer: ArrayBufferLike, offset: number, length: number): VoxelArray;
  BYTES_PER_ELEMENT: number;
};

function datatype(name: string, array: TypedArrayClass) {
  return {
    name,
    bytes: array.BYTES_PER_ELEMENT,
    make: (n: number) => new array(n),
    view: (b: ArrayBufferLike, offset: number, n: number) => new array(b, offset, n),
  };
}

const DATATYPES: Record<number, ReturnType<typeof datatype>> = {
  2: datatype('uint8', Uint8Array),
  4: datatype('int16', Int16Array),
  8: datatype('int32', Int32Array),
  16: datatype('float32', Float32Array),
  64: datatype('float64', Float64Array),
  256: datatype('int8', Int8Array),
  512: datatype('uint16', Uint16Array),
  768: datatype('uint32', Uint32Array),
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

export interface NiftiHeader {
  dims: Vec3;
  frames: number;
  datatype: number;
  voxOffset: number;
  littleEndian: boolean;
  slope: number;
  intercept: number;
  axes: [Vec3, Vec3, Vec3];
}

export function isNiftiPath(file: string): boolean {
  return /\.nii(\.gz)?$/i.test(file);
}

export async function readNifti(file: string, limits: InputLimits): Promise<Volume> {
  const { first, size } = await readStart(file);
  const gzipped = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  const header = parseNiftiHeader(gzipped ? (await inflated(file, HEADER_BYTES, 0)).bytes : first, limits, file);
  const end = header.voxOffset + payloadBytes(header);
  // The file size is known for a plain file: a short one is refused before its voxels are read.
  if (!gzipped && size < end) throw truncated(file, header, size);
  const { bytes, overrun } = gzipped
    ? await inflated(file, end, GZIP_SLACK)
    : await readPrefix(openBytes(file, 0, 'plain', { length: end }), end);
  if (overrun)
    throw new UnusableFileError(
      `${file}: the gzip data goes on past the ${end.toLocaleString('en')} bytes its header declares (a corrupt or crafted file)`,
    );
  return decodeNifti(bytes, limits, file);
}

/** Bytes a gzipped file may hold past what its header declares (padding some writers add). */
const GZIP_SLACK = 1024;

async function readStart(file: string): Promise<{ first: Buffer; size: number }> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const first = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(first, 0, HEADER_BYTES, 0);
    return { first: first.subarray(0, bytesRead), size: (await handle.stat()).size };
  } finally {
    await handle.close();
  }
}

/** The first `length` inflated bytes of a gzipped file; inflating stops there (plus `extra`). */
function inflated(file: string, length: number, extra: number): Promise<Prefix> {
  return corruptIsUnusable(readPrefix(openBytes(file, 0, 'gzip'), length, extra), file, 'gzip data');
}

function payloadBytes(h: Pick<NiftiHeader, 'dims' | 'frames' | 'datatype'>): number {
  return voxelCount(h) * DATATYPES[h.datatype].bytes;
}

function truncated(file: string, header: NiftiHeader, fileBytes: number): UnusableFileError {
  return new UnusableFileError(
    `${file}: truncated: the header declares ${payloadBytes(header)} bytes of voxels after offset ${header.voxOffset}, the file has ${Math.max(0, fileBytes - header.voxOffset)}`,
  );
}

function voxelCount(h: Pick<NiftiHeader, 'dims' | 'frames'>): number {
  return h.dims[0] * h.dims[1] * h.dims[2] * h.frames;
}

export function parseNiftiHeader(buf: Buffer, limits: InputLimits, file: string): NiftiHeader {
  if (buf.length < HEADER_BYTES)
    throw new UnusableFileError(`${file}: too short for a NIfTI header (${buf.length} bytes, need ${HEADER_BYTES})`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let littleEndian = true;
  const sizeLE = view.getInt32(0, true);
  if (sizeLE !== HEADER_BYTES) {
    if (view.getInt32(0, false) === HEADER_BYTES) littleEndian = false;
    else if (sizeLE === 540 || view.getInt32(0, false) === 540)
      throw new UnusableFileError(`${file}: NIfTI-2 files are not supported; save it as NIfTI-1`);
    else throw new UnusableFileError(`${file}: not a NIfTI-1 file (sizeof_hdr is ${sizeLE}, expected 348)`);
  }
  const magic = buf.toString('latin1', 344, 347);
  if (magic === 'ni1')
    throw new UnusableFileError(`${file}: a NIfTI header/image pair (.hdr + .img); save it as a single .nii file`);
  if (magic !== 'n+1') throw new UnusableFileError(`${file}: missing the NIfTI-1 magic "n+1" (an Analyze 7.5 file?)`);
  const i16 = (o: number) => view.getInt16(o, littleEndian);
  const f32 = (o: number) => view.getFloat32(o, littleEndian);
  const rank = i16(40);
  if (rank < 2 || rank > 7) throw new UnusableFileError(`${file}: dim[0] is ${rank}; expected 2 to 7 dimensions`);
  const dim = (i: number) => (i <= rank ? i16(40 + 2 * i) : 1);
  const sizes = [1, 2, 3, 4, 5, 6, 7].map(dim);
  if (sizes.some((n) => n < 1))
    throw new UnusableFileError(`${file}: dimension sizes must be positive, got ${sizes.slice(0, rank).join(' x ')}`);
  if (sizes.slice(4).some((n) => n > 1))
    throw new UnusableFileError(
      `${file}: volumes with more than 4 dimensions are not supported (${sizes.slice(0, rank).join(' x ')})`,
    );
  const dims: Vec3 = [sizes[0], sizes[1], sizes[2]];
  const frames = sizes[3];
  checkVoxelLimit(dims[0] * dims[1] * dims[2] * frames, limits.maxVoxels, file);
  const datatype = i16(70);
  if (!DATATYPES[datatype]) {
    throw new UnusableFileError(
      `${file}: NIfTI datatype ${datatype}${UNSUPPORTED_TYPES[datatype] ? ` (${UNSUPPORTED_TYPES[datatype]})` : ''} is not supported; use uint8, int8, int16, uint16, int32, uint32, float32 or float64`,
    );
  }
  checkByteLimit(payloadBytes({ dims, frames, datatype }), limits.maxBytes, file);
  const voxOffset = Math.floor(f32(108));
  if (!(voxOffset >= HEADER_BYTES) || voxOffset > 1 << 30)
    throw new UnusableFileError(`${file}: vox_offset ${f32(108)} is invalid for a single-file NIfTI (at least 348)`);
  const rawSlope = f32(112);
  const useScaling = Number.isFinite(rawSlope) && rawSlope !== 0;
  const rawIntercept = f32(116);
  const pixdim = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => f32(76 + 4 * i));
  const spacing: Vec3 = [1, 2, 3].map((i) => (Number.isFinite(pixdim[i]) && pixdim[i] > 0 ? pixdim[i] : 1)) as Vec3;
  return {
    dims,
    frames,
    datatype,
    voxOffset,
    littleEndian,
    slope: useScaling ? rawSlope : 1,
    intercept: useScaling && Number.isFinite(rawIntercept) ? rawIntercept : 0,
    axes: orientationAxes(view, littleEndian, spacing, pixdim[0]),
  };
}

/** Voxel-axis directions in RAS+ mm: the sform when set, else the qform quaternion, else plain voxel sizes. */
function orientationAxes(view: DataView, le: boolean, spacing: Vec3, qfacRaw: number): [Vec3, Vec3, Vec3] {
  const f32 = (o: number) => view.getFloat32(o, le);
  const qformCode = view.getInt16(252, le);
  const sformCode = view.getInt16(254, le);
  if (sformCode > 0) {
    const rows = [280, 296, 312].map((o) => [f32(o), f32(o + 4), f32(o + 8)]);
    const axes = [0, 1, 2].map((c) => [rows[0][c], rows[1][c], rows[2][c]] as Vec3) as [Vec3, Vec3, Vec3];
    if (axes.every((a) => a.every(Number.isFinite) && a.some((v) => v !== 0))) return axes;
  }
  if (qformCode > 0) {
    const b = f32(256);
    const c = f32(260);
    const d = f32(264);
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

export function decodeNifti(buf: Buffer, limits: InputLimits, file: string): Volume {
  const header = parseNiftiHeader(buf, limits, file);
  const type = DATATYPES[header.datatype];
  const count = voxelCount(header);
  const byteLength = count * type.bytes;
  if (buf.length < header.voxOffset + byteLength) throw truncated(file, header, buf.length);
  let voxels: VoxelArray;
  const start = buf.byteOffset + header.voxOffset;
  if (header.littleEndian && start % type.bytes === 0) {
    // Aligned little-endian data is used where it lies: no second copy of a large volume.
    voxels = type.view(buf.buffer, start, count);
  } else {
    voxels = type.make(count);
    const target = new Uint8Array(voxels.buffer, voxels.byteOffset, byteLength);
    target.set(buf.subarray(header.voxOffset, header.voxOffset + byteLength));
    if (!header.littleEndian && type.bytes > 1) swapBytes(target, type.bytes);
  }
  return {
    dims: header.dims,
    frames: header.frames,
    axes: header.axes,
    voxels,
    slope: header.slope,
    intercept: header.intercept,
    hints: { eightBit: header.datatype === 2 && header.slope === 1 && header.intercept === 0 },
  };
}

/** Converts big-endian words to the machine's little-endian order in place. */
export function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
