/**
 * Reads protocol buffers wire format back, independently of src/engine/onnx/protobuf.ts, so a test
 * can check what the ONNX writer wrote without onnx or onnxruntime: a message becomes its fields by
 * number, each occurrence's value a bigint (varint), a number (fixed32 float) or its bytes.
 */
export type WireValue = bigint | number | Uint8Array;

export function readMessage(bytes: Uint8Array): Map<number, WireValue[]> {
  const fields = new Map<number, WireValue[]>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= bytes.length) throw new Error('protobuf: varint runs past the end');
      const byte = bytes[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const [field, wireType] = [key >> 3, key & 7];
    let value: WireValue;
    if (wireType === 0) value = varint();
    else if (wireType === 5) {
      value = view.getFloat32(at, true);
      at += 4;
    } else if (wireType === 2) {
      const length = Number(varint());
      if (at + length > bytes.length) throw new Error(`protobuf: field ${field} runs past the end`);
      value = bytes.subarray(at, at + length);
      at += length;
    } else throw new Error(`protobuf: wire type ${wireType} (field ${field}) is not one the writer uses`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

/** Signed 64-bit value of a varint (protobuf writes negatives as two's complement). */
export const int64 = (v: WireValue): number => Number(BigInt.asIntN(64, v as bigint));

export const text = (v: WireValue): string => new TextDecoder().decode(v as Uint8Array);

/** The varints packed in a length-delimited field. */
export function packedVarints(v: WireValue): number[] {
  const bytes = v as Uint8Array;
  const out: number[] = [];
  let value = 0n;
  let shift = 0n;
  for (const byte of bytes) {
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if (!(byte & 0x80)) {
      out.push(Number(BigInt.asIntN(64, value)));
      [value, shift] = [0n, 0n];
    }
  }
  return out;
}
