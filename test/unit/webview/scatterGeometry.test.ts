import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  composeZoom,
  emphasisOrder,
  extent2D,
  fitTransform,
  invert,
  pointInPolygon,
  pointsInPolygon,
  rasterizePoints,
} from '../../../webview/common/scatterGeometry';

test('fitTransform centres the extent and keeps the aspect ratio', () => {
  const t = fitTransform({ x: [0, 10], y: [0, 5] }, 200, 200, 0);
  assert.equal(t.k, 20);
  // Corners land inside the view, y flipped (data up = screen up).
  assert.deepEqual([0 * t.k + t.tx, -0 * t.k + t.ty], [0, 150]);
  assert.deepEqual([10 * t.k + t.tx, -5 * t.k + t.ty], [200, 50]);
  const [x, y] = invert(t, 100, 100);
  assert.deepEqual([x, y], [5, 2.5]);
});

test('composeZoom applies a d3 zoom transform after the fit', () => {
  const base = { k: 2, tx: 10, ty: 20 };
  const t = composeZoom(base, { k: 3, x: 5, y: -5 });
  // d3 zoom maps a base pixel p to p * k + (x, y).
  const px = 4 * base.k + base.tx;
  assert.equal(4 * t.k + t.tx, px * 3 + 5);
  assert.deepEqual(invert(t, 4 * t.k + t.tx, -7 * t.k + t.ty), [4, 7]);
});

test('rasterizePoints writes squares, clips at the border, and draws later points on top', () => {
  const width = 8,
    height = 6;
  const pixels = new Uint32Array(width * height);
  const x = new Float32Array([1, 1, 7.4, 100]);
  const y = new Float32Array([-1, -1, -5, 0]);
  const colors = new Uint32Array([11, 22, 33, 44]);
  const drawn = rasterizePoints(pixels, width, height, x, y, colors, { k: 1, tx: 0, ty: 0 }, 3);
  assert.equal(drawn, 3, 'the point at x=100 is outside');
  // Points 0 and 1 overlap at (1,1): the later one wins over its whole 3x3 square.
  for (const [px, py] of [
    [0, 0],
    [1, 1],
    [2, 2],
  ])
    assert.equal(pixels[py! * width + px!], 22);
  // The third point (7, 5) is clipped to the 2x2 corner inside the buffer.
  assert.equal(pixels[5 * width + 7], 33);
  assert.equal(pixels[4 * width + 6], 33);
  assert.equal(pixels.filter((p) => p === 33).length, 4);
  assert.equal(pixels.filter((p) => p === 0).length, width * height - 9 - 4);
});

test('emphasisOrder draws emphasised points last and keeps the rest in order', () => {
  const order = emphasisOrder(5, new Uint8Array([0, 1, 0, 1, 0]));
  assert.deepEqual([...order], [0, 2, 4, 1, 3]);
  assert.deepEqual([...emphasisOrder(3)], [0, 1, 2]);
});

test('pointsInPolygon selects the points inside a lasso (even-odd)', () => {
  const square = [0, 0, 4, 0, 4, 4, 0, 4];
  assert.equal(pointInPolygon(2, 2, square), true);
  assert.equal(pointInPolygon(5, 2, square), false);
  const x = new Float32Array([1, 3, 5, -1, 2]);
  const y = new Float32Array([1, 3, 1, 2, 5]);
  assert.deepEqual(pointsInPolygon(x, y, square), [0, 1]);
  assert.deepEqual(pointsInPolygon(x, y, [0, 0, 1, 1]), [], 'fewer than 3 vertices select nothing');
});

test('extent2D spans the points and copes with an empty set', () => {
  assert.deepEqual(extent2D(new Float32Array([1, -2]), new Float32Array([3, 4])), { x: [-2, 1], y: [3, 4] });
  assert.deepEqual(extent2D(new Float32Array(0), new Float32Array(0)), { x: [-1, 1], y: [-1, 1] });
});
