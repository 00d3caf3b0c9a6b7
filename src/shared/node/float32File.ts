/**
 * Little-endian Float32 artifacts (`.f32`) read a chunk at a time into one array. readFile stops
 * at 2 GiB, which the embeddings of 4.2M samples at dim 128 pass (10M: 5.1 GB); positional reads
 * into the array's own memory have no such limit and never hold a second copy. Node only.
 */
import * as fs from 'node:fs';

/** Bytes per read: large enough for sequential throughput. */
export const FLOAT32_CHUNK_BYTES = 64 << 20;

export class Float32FileError extends Error {
  override name = 'Float32FileError';
}

/**
 * Every value of `file`; its size must be a whole number of Float32 values, and `expected.length`
 * of them when given. The size is checked before anything is allocated: a sparse file of gigabytes
 * costs a shared run folder a few bytes.
 */
export async function readFloat32File(
  file: string,
  expected?: { length: number; fix: string },
  chunkBytes = FLOAT32_CHUNK_BYTES,
): Promise<Float32Array> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size % 4 !== 0) throw new Float32FileError(`${file} is not a Float32 file (${size} bytes)`);
    if (expected && size !== expected.length * 4)
      throw new Float32FileError(
        `${file}: holds ${size / 4} float32 values, expected ${expected.length}; ${expected.fix}`,
      );
    const values = new Float32Array(size / 4);
    const bytes = new Uint8Array(values.buffer);
    for (let at = 0; at < size;) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(chunkBytes, size - at), at);
      if (bytesRead === 0) throw new Float32FileError(`${file}: ended at byte ${at} of ${size} while read`);
      at += bytesRead;
    }
    return values;
  } finally {
    await handle.close();
  }
}
