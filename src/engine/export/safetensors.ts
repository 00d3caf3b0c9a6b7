/**
 * Writes the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length, a JSON header naming every tensor's dtype, shape and byte range, then the raw
 * little-endian data. The header is padded with spaces to a multiple of 8 so every tensor starts
 * aligned, which the format recommends. Only float32 is written: it is all the model holds.
 */

export interface NamedTensor {
  name: string;
  shape: readonly number[];
  values: Float32Array;
}

/** String-to-string metadata, the only kind the format allows under `__metadata__`. */
export type SafetensorsMetadata = Record<string, string>;

export function safetensorsBytes(tensors: readonly NamedTensor[], metadata: SafetensorsMetadata): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header)
      throw new Error(`safetensors: tensor name "${t.name}" is reserved or repeated`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.values.length)
      throw new Error(`safetensors: ${t.name} has ${t.values.length} values for shape [${t.shape.join(', ')}]`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const t of tensors) {
    // Float32Array is in the platform's byte order; write little-endian explicitly.
    for (let i = 0; i < t.values.length; i++, at += 4) view.setFloat32(at, t.values[i]!, true);
  }
  return out;
}
