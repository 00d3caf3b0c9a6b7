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

/**
 * A 2D float array from a `.npy` file (versions 1 to 3; little-endian float32 or float64, C order),
 * as float32. Anything else is refused with what it holds and what is accepted.
 */
export function decodeNpyMatrix(bytes: Uint8Array, file: string): { values: Float32Array; rows: number; cols: number } {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}; save a 2D float32 or float64 array with numpy.save`);
  };
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 10 || !buffer.subarray(0, 6).equals(MAGIC.subarray(0, 6))) fail('not a .npy file');
  const major = buffer[6]!;
  if (major < 1 || major > 3) fail(`.npy version ${major} is not known`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? buffer.readUInt16LE(8) : buffer.readUInt32LE(8);
  const start = 8 + lengthBytes + headerLength;
  if (start > buffer.length) fail('the header runs past the end of the file');
  const header = buffer.subarray(8 + lengthBytes, start).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shape === undefined) fail('its header does not name descr, fortran_order and shape');
  if (fortran === 'True') fail('it is in Fortran order');
  const dims = shape!
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map(Number);
  if (dims.length !== 2 || !dims.every((d) => Number.isInteger(d) && d > 0))
    fail(`its shape is (${shape}), not (samples, dimensions)`);
  const [rows, cols] = dims as [number, number];
  const width = descr === '<f4' ? 4 : descr === '<f8' ? 8 : fail(`it holds ${descr}, not <f4 or <f8`);
  if (buffer.length - start !== rows * cols * width)
    fail(`it holds ${buffer.length - start} data bytes, the shape (${rows}, ${cols}) needs ${rows * cols * width}`);
  const data = buffer.subarray(start);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = width === 4 ? data.readFloatLE(i * 4) : data.readDoubleLE(i * 8);
  return { values, rows, cols };
}
