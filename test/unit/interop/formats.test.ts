/** The two file formats the exports write by hand, checked byte by byte: safetensors and RFC 4180 CSV. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { csvField, csvText } from '../../../src/engine/export/csv';
import { safetensorsBytes } from '../../../src/engine/export/safetensors';

test('safetensors: u64 little-endian header length, 8-byte aligned data, contiguous offsets, little-endian float32', () => {
  const a = { name: 'a', shape: [2, 1], values: Float32Array.of(1.5, -2) };
  const b = { name: 'b.weight', shape: [3], values: Float32Array.of(0.25, 3, 1e-7) };
  const bytes = safetensorsBytes([a, b], { format: 'pt' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  assert.equal(length % 8, 0);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8'));
  assert.deepEqual(header, {
    __metadata__: { format: 'pt' },
    a: { dtype: 'F32', shape: [2, 1], data_offsets: [0, 8] },
    'b.weight': { dtype: 'F32', shape: [3], data_offsets: [8, 20] },
  });
  assert.equal(bytes.byteLength, 8 + length + 20);
  const data = 8 + length;
  const read = (i: number): number => view.getFloat32(data + 4 * i, true);
  assert.deepEqual([0, 1, 2, 3, 4].map(read), [1.5, -2, 0.25, 3, Math.fround(1e-7)]);
});

test('safetensors refuses a shape that does not match the values and a repeated name', () => {
  assert.throws(
    () => safetensorsBytes([{ name: 'x', shape: [3], values: new Float32Array(2) }], {}),
    /x has 2 values for shape \[3\]/,
  );
  const t = { name: 'x', shape: [1], values: new Float32Array(1) };
  assert.throws(() => safetensorsBytes([t, t], {}), /"x" is reserved or repeated/);
});

test('csv: fields with a comma, quote, CR or LF are quoted with quotes doubled; records end in CRLF', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('line\nbreak'), '"line\nbreak"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(undefined), '');
  assert.equal(
    csvText(
      ['id', 'path'],
      [
        [1, 'x,"y"'],
        [2, undefined],
      ],
    ),
    'id,path\r\n1,"x,""y"""\r\n2,\r\n',
  );
});
