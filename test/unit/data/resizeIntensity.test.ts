/** Resize (aspect kept by padding, labels never interpolated) and intensity mappings. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { placeInSquare, resizeIntoSquare, resizeLabelsIntoSquare } from '../../../src/engine/data/resize';
import { applyIntensity, chooseIntensity, isEmptySlice } from '../../../src/engine/data/intensity';

test('placement keeps the physical aspect ratio and centres the content', () => {
  assert.deepEqual(placeInSquare(20, 10, 16), { width: 16, height: 8, left: 0, top: 4 });
  // 10 x 10 pixels of 1 mm x 2 mm: twice as tall as wide.
  assert.deepEqual(placeInSquare(10, 10, 16, [1, 2]), { width: 8, height: 16, left: 4, top: 0 });
});

test('a flat image stays flat when resized up or down; padding is 0', () => {
  for (const [w, h, size] of [
    [40, 30, 16],
    [5, 7, 32],
  ]) {
    const out = new Float32Array(size * size);
    const place = resizeIntoSquare(new Float32Array(w * h).fill(0.6), w, h, size, out);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const inside =
          r >= place.top && r < place.top + place.height && c >= place.left && c < place.left + place.width;
        assert.ok(
          Math.abs(out[r * size + c] - (inside ? 0.6 : 0)) < 1e-5,
          `${w}x${h}->${size} at ${r},${c}: ${out[r * size + c]}`,
        );
      }
    }
  }
});

test('shrinking averages (no aliasing of a fine checkerboard)', () => {
  const w = 64;
  const src = new Float32Array(w * w).map((_, i) => ((i % w) + Math.floor(i / w)) % 2);
  const out = new Float32Array(16 * 16);
  resizeIntoSquare(src, w, w, 16, out);
  for (const v of out) assert.ok(Math.abs(v - 0.5) < 0.05, `${v}`);
});

test('label maps only ever hold values of the source', () => {
  const src = Int32Array.from({ length: 9 * 7 }, (_, i) => [0, 3, 7][i % 3]);
  const out = new Uint8Array(20 * 20);
  resizeLabelsIntoSquare(src, 9, 7, 20, out);
  assert.ok([...out].every((v) => v === 0 || v === 3 || v === 7));
  assert.ok(new Set(out).size === 3);
});

test('intensity: CT is detected from Hounsfield-like values, windowed, and recorded', () => {
  const hu = Float32Array.from({ length: 1000 }, (_, i) => (i < 300 ? -1000 : 40 + (i % 50)));
  const ct = chooseIntensity(undefined, { sample: hu });
  assert.equal(ct.label, 'ct-window L40 W400');
  assert.deepEqual([ct.low, ct.high], [-160, 240]);
  assert.equal(
    chooseIntensity(undefined, { modality: 'CT', headerWindow: { level: 300, width: 1500 }, sample: hu }).label,
    'ct-window L300 W1500',
  );
  assert.equal(
    chooseIntensity(
      { window: { level: 50, width: 350 } },
      { modality: 'CT', headerWindow: { level: 300, width: 1500 }, sample: hu },
    ).label,
    'ct-window L50 W350',
  );
  assert.equal(chooseIntensity(undefined, { modality: 'MR', sample: hu }).label, 'percentile 0.5-99.5');
});

test('intensity: percentiles ignore a few extreme voxels; 8-bit is plain', () => {
  const values = Float32Array.from({ length: 10_000 }, (_, i) => (i === 5 ? 1e6 : i % 100));
  const m = chooseIntensity(undefined, { sample: values });
  assert.ok(m.high < 100, `one hot voxel must not set the top: ${m.high}`);
  const pixels = Float32Array.from([m.low, m.high, 1e6, -5]);
  applyIntensity(pixels, m);
  assert.deepEqual([...pixels], [0, 1, 1, 0]);
  assert.equal(chooseIntensity(undefined, { eightBit: true, sample: values }).label, '8-bit');
  const flat = chooseIntensity({ mode: 'minmax' }, { sample: new Float32Array(10).fill(3) });
  assert.ok(flat.high > flat.low);
});

test('empty slices: background or flat', () => {
  assert.equal(isEmptySlice(new Float32Array(100), 0.05), true);
  assert.equal(isEmptySlice(new Float32Array(100).fill(0.7), 0.05), true);
  const some = new Float32Array(100);
  some.fill(0.8, 0, 10);
  assert.equal(isEmptySlice(some, 0.05), false);
  assert.equal(isEmptySlice(some, 0.2), true);
});

test("a file's CT window of width 0, negative or not a number falls back to the default window, never NaN pixels", () => {
  const hu = Float32Array.from({ length: 400 }, (_, i) => -1000 + i * 5);
  for (const headerWindow of [
    { level: 40, width: 0 },
    { level: 40, width: -400 },
    { level: NaN, width: 400 },
    { level: 40, width: Infinity },
  ]) {
    const m = chooseIntensity(undefined, { modality: 'CT', headerWindow, sample: hu });
    assert.equal(m.label, 'ct-window L40 W400', JSON.stringify(headerWindow));
    const values = Float32Array.from(hu);
    applyIntensity(values, m);
    assert.ok(
      values.every((v) => v >= 0 && v <= 1),
      JSON.stringify(headerWindow),
    );
  }
});
