import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, overlap, pixelSpread, ranks, spearman, topN } from '../../../scripts/analysis/stats';

test('ranks: tied values share the mean of the ranks they span', () => {
  assert.deepEqual(ranks([10, 20, 20, 30, 20]), [1, 3, 3, 5, 3]);
});

test('spearman with ties matches the hand-computed value', () => {
  // x ranks: 1, 2.5, 2.5, 4, 5; y ranks: 2, 1, 3.5, 3.5, 5.
  // Means 3; deviations x: -2, -0.5, -0.5, 1, 2; y: -1, -2, 0.5, 0.5, 2.
  // Sum of products 2 + 1 - 0.25 + 0.5 + 4 = 7.25; sum of squares x 9.5, y 9.5; rho = 7.25 / 9.5.
  const rho = spearman([1, 2, 2, 3, 4], [5, 1, 7, 7, 9]);
  assert.ok(Math.abs(rho - 7.25 / 9.5) < 1e-12, `rho ${rho}`);
});

test('spearman is 1 for any increasing relation and -1 for a decreasing one, NaN without spread', () => {
  assert.equal(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1);
  assert.equal(spearman([1, 2, 3, 4], [9, 4, 1, 0]), -1);
  assert.ok(Number.isNaN(spearman([1, 2, 3], [5, 5, 5])));
});

test('median, pixel spread, top-N and overlap', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(pixelSpread(new Float32Array([0, 1, 0, 1])), 0.5);
  assert.deepEqual(topN([0.2, 0.9, 0.5, 0.9], 3), [1, 3, 2]);
  assert.equal(overlap([1, 2, 3], [3, 4, 1]), 2);
});
