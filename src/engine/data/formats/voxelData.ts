/**
 * What the volume formats (NIfTI, Analyze, MetaImage, NRRD) share once their headers are read:
 * the scalar voxel types, the voxel bytes of a file read no further than the header declares
 * (plain, or inflated from gzip or zlib), and those bytes turned into a typed array in the
 * machine's byte order.
 */
import * as fs from 'node:fs';
import type { VoxelArray } from '../volume';
import type { Encoding } from './byteSource';
import { corruptIsUnusable, openBytes, readPrefix } from './byteSource';
import { UnusableFileError } from './errors';

export type VoxelTypeName = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

type TypedArrayClass = {
  new (n: number): VoxelArray;
  new (buffer: ArrayBufferLike, offset: number, length: number): VoxelArray;
  BYTES_PER_ELEMENT: number;
};

const ARRAYS: Record<VoxelTypeName, TypedArrayClass> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

export const VOXEL_TYPE_NAMES = Object.keys(ARRAYS).join(', ');

export function bytesPerVoxel(type: VoxelTypeName): number {
  return ARRAYS[type].BYTES_PER_ELEMENT;
}

/**
 * The first `count` voxels of `type` in `bytes`. Aligned little-endian data is used where it
 * lies (no second copy of a large volume); other data is copied and put in the machine's order.
 */
export function voxelsFrom(bytes: Buffer, type: VoxelTypeName, count: number, littleEndian: boolean): VoxelArray {
  const array = ARRAYS[type];
  const width = array.BYTES_PER_ELEMENT;
  if ((littleEndian || width === 1) && bytes.byteOffset % width === 0)
    return new array(bytes.buffer, bytes.byteOffset, count);
  const voxels = new array(count);
  const target = new Uint8Array(voxels.buffer, voxels.byteOffset, count * width);
  target.set(bytes.subarray(0, count * width));
  if (!littleEndian && width > 1) swapBytes(target, width);
  return voxels;
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

/** Where a volume's voxel bytes are and how they are stored. */
export interface Payload {
  file: string;
  /** Where the (possibly compressed) stream starts in the file. */
  fileOffset: number;
  encoding: Encoding;
  /** Bytes of the decoded stream before the voxels (a header inside a gzipped file, NRRD's byte skip). */
  skip: number;
  /** Bytes of voxels the header declares. */
  bytes: number;
  /** A plain file's voxels are its last bytes (MetaImage's `HeaderSize = -1`, NRRD's `byte skip: -1`). */
  fromEnd?: boolean;
}

/** Bytes a compressed stream may hold past what its header declares (padding some writers add). */
const COMPRESSED_SLACK = 1024;
/** Bytes a compressed stream may hold before its voxels: they are inflated and held, so a header may not ask for more. */
const MAX_COMPRESSED_SKIP = 64 << 20;

/**
 * The payload's voxel bytes, exactly. A plain file shorter than the header declares is refused
 * before anything is read, and only its voxels are read; a compressed one is inflated no further
 * than the declared size, and refused when it ends early or goes on well past it.
 */
export async function readPayload(payload: Payload): Promise<Buffer> {
  const { file, fileOffset, encoding, skip, bytes } = payload;
  if (!Number.isSafeInteger(skip) || skip < 0)
    throw new UnusableFileError(`${file}: the header puts the voxels at an invalid offset (${skip})`);
  if (encoding === 'plain') {
    const size = (await fs.promises.stat(file)).size;
    const start = payload.fromEnd ? size - bytes : fileOffset + skip;
    if (start < fileOffset || size < start + bytes) throw truncated(file, bytes, Math.max(0, size - fileOffset - skip));
    return (await readPrefix(openBytes(file, start, 'plain', { length: bytes }), bytes)).bytes;
  }
  if (skip > MAX_COMPRESSED_SKIP)
    throw new UnusableFileError(
      `${file}: the header puts the voxels ${skip.toLocaleString('en')} bytes into the ${encoding} data, more than the ${MAX_COMPRESSED_SKIP.toLocaleString('en')} a genuine file needs`,
    );
  const end = skip + bytes;
  const { bytes: data, overrun } = await corruptIsUnusable(
    readPrefix(openBytes(file, fileOffset, encoding), end, COMPRESSED_SLACK),
    file,
    `${encoding} data`,
  );
  if (overrun)
    throw new UnusableFileError(
      `${file}: the ${encoding} data goes on past the ${end.toLocaleString('en')} bytes its header declares (a corrupt or crafted file)`,
    );
  if (data.length < end) throw truncated(file, bytes, Math.max(0, data.length - skip));
  return data.subarray(skip);
}

function truncated(file: string, declared: number, found: number): UnusableFileError {
  return new UnusableFileError(
    `${file}: truncated: the header declares ${declared} bytes of voxels, the file has ${found}`,
  );
}
