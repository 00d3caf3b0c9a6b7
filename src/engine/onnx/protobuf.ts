/**
 * The part of the protocol buffers wire format (https://protobuf.dev/programming-guides/encoding/)
 * that writing an ONNX model needs: varints (int32, int64 and enums, negatives as 64-bit two's
 * complement, as protobuf encodes them), fixed32 floats, and length-delimited fields (strings,
 * bytes, packed repeated integers and nested messages). A message is the concatenation of its
 * encoded fields, so callers build one as a list of fields and nest it with `messageField`.
 */

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

const UINT64 = (1n << 64n) - 1n;

function varint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new Error(`protobuf: ${value} is not a whole number`);
  let rest = BigInt(value) & UINT64;
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Uint8Array.from(bytes);
}

const key = (field: number, wireType: number) => varint((field << 3) | wireType);

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function varintField(field: number, value: number | bigint): Uint8Array {
  return concat([key(field, VARINT), varint(value)]);
}

export function floatField(field: number, value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return concat([key(field, FIXED32), bytes]);
}

export function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return concat([key(field, LENGTH_DELIMITED), varint(bytes.length), bytes]);
}

export function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, new TextEncoder().encode(text));
}

/** A repeated integer field, packed (the default for repeated scalars since proto3, accepted by proto2 readers). */
export function packedVarintField(field: number, values: readonly number[]): Uint8Array {
  return bytesField(field, concat(values.map(varint)));
}

export function messageField(field: number, fields: readonly Uint8Array[]): Uint8Array {
  return bytesField(field, concat(fields));
}
