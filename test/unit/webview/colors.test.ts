import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  colorsForCategories,
  colorsForValues,
  finiteExtent,
  packRgba,
  parseCssColor,
  contrastRatio,
  sequentialStartFor,
  sequentialTable,
  unpackRgba,
} from '../../../webview/common/colors';

test('parseCssColor reads the forms VS Code theme variables use', () => {
  assert.deepEqual(parseCssColor('#3794ff'), [0x37, 0x94, 0xff, 255]);
  assert.deepEqual(parseCssColor('#fff'), [255, 255, 255, 255]);
  assert.deepEqual(parseCssColor('#00000080'), [0, 0, 0, 128]);
  assert.deepEqual(parseCssColor(' rgba(10, 20, 30, 0.5) '), [10, 20, 30, 128]);
  assert.deepEqual(parseCssColor('rgb(100% 0% 0%)'), [255, 0, 0, 255]);
  assert.equal(parseCssColor('var(--x)'), undefined);
  assert.equal(parseCssColor('#12345'), undefined);
});

test('packRgba puts R in the lowest byte, as ImageData memory on little-endian machines', () => {
  const word = packRgba([1, 2, 3, 4]);
  const bytes = new Uint8Array(new Uint32Array([word]).buffer);
  assert.deepEqual([...bytes], [1, 2, 3, 4]);
  assert.deepEqual(unpackRgba(word), [1, 2, 3, 4]);
});

test('colorsForValues maps the domain ends to the table ends and clamps outliers and NaN', () => {
  const table = sequentialTable(4);
  const out = colorsForValues([0, 10, 5, 99, NaN, -3], [0, 10], table);
  assert.equal(out[0], table[0]);
  assert.equal(out[1], table[3]);
  assert.equal(out[2], table[2]);
  assert.equal(out[3], table[3]);
  assert.equal(out[4], table[0]);
  assert.equal(out[5], table[0]);
  // viridis goes from dark purple to yellow
  const [r0, , b0] = unpackRgba(table[0]!);
  const [r3, g3, b3] = unpackRgba(table[3]!);
  assert.ok(b0 > r0 && r3 > b3 && g3 > 200);
});

test("on the high-contrast theme's black the value scale starts where its lowest colour keeps 3:1 contrast", () => {
  const black = [0, 0, 0, 255] as const;
  assert.ok(Math.abs(contrastRatio([255, 255, 255, 255], [0, 0, 0, 255]) - 21) < 1e-9, 'WCAG: white on black is 21:1');
  // Viridis' own dark end nearly vanishes on black.
  assert.ok(contrastRatio(unpackRgba(sequentialTable(256)[0]!), [...black]) < 2);
  const start = sequentialStartFor([...black]);
  assert.ok(start > 0.1 && start < 0.5, `start ${start}`);
  const table = sequentialTable(256, start);
  assert.ok(contrastRatio(unpackRgba(table[0]!), [...black]) >= 3);
  // The start is the lowest such: a step lower falls below 3:1; the yellow end is unchanged.
  assert.ok(contrastRatio(unpackRgba(sequentialTable(2, start - 0.01)[0]!), [...black]) < 3);
  assert.equal(table[255], sequentialTable(256)[255]);
});

test('colorsForCategories cycles the palette', () => {
  assert.deepEqual([...colorsForCategories([0, 1, 2, 3], [7, 8, 9])], [7, 8, 9, 7]);
});

test('finiteExtent skips NaN and falls back to [0, 1]', () => {
  assert.deepEqual(finiteExtent([3, NaN, -1]), [-1, 3]);
  assert.deepEqual(finiteExtent([]), [0, 1]);
});
