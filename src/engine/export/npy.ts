/**
 * NumPy's `.npy` format, version 1.0 (numpy.lib.format): the magic `\x93NUMPY`, version 1 0, a
 * little-endian uint16 header length, then a Python dict literal naming dtype, order and shape,
 * padded with spaces and a final newline so that the data starts at a multiple of 64 bytes (what
 * numpy itself writes; readers may memory-map it). Then the values, C order, little-endian.
 */

export type NpyArray = Float32Array | Int32Array | Uint8Array;

const DESCR = new Map<string, string>([
  ['Float32Array', '<f4'],
  ['Int32Array', '<i4'],
  ['Uint8Array', '|u1'],
]);

const ALIGN = 64;
const MAGIC = Buffer.from([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0]);

/** The `.npy` file of `values` with `shape` (C order: the last axis fastest). */
export function encodeNpy(values: NpyArray, shape: readonly number[]): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length)
    throw new Error(`npy: shape (${shape.join(', ')}) holds ${count} values, not ${values.length}`);
  const descr = DESCR.get(values.constructor.name)!;
  // Python's tuple syntax: a one-element tuple needs its comma.
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const unpadded = MAGIC.length + 2 + dict.length + 1;
  const header = dict + ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  const length = Buffer.alloc(2);
  length.writeUInt16LE(header.length);
  // Typed arrays are little-endian on every platform Node runs on that we ship for.
  const data = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return Buffer.concat([MAGIC, length, Buffer.from(header, 'latin1'), data]);
}
