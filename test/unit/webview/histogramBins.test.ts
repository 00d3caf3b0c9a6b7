import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binEdges, binIndex, computeHistogram, topNCutoff } from '../../../webview/common/histogramBins';

test('computeHistogram counts every finite value once, the maximum in the last bin', () => {
  const values = [0, 0.1, 0.5, 0.99, 1, NaN, Infinity];
  const h = computeHistogram(values, { bins: 4 });
  assert.deepEqual(h.edges, [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(h.counts, [2, 0, 1, 2]);
});

test('a subset is counted on the same edges as the whole pool', () => {
  const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const all = computeHistogram(values, { bins: 5 });
  const subset = computeHistogram(values, { edges: all.edges, indices: [9, 8, 0] });
  assert.deepEqual(all.counts, [2, 2, 2, 2, 2]);
  assert.deepEqual(subset.counts, [1, 0, 0, 0, 2]);
  assert.equal(
    subset.counts.reduce((a, b) => a + b),
    3,
  );
});

test('equal values get one visible bin; bad bin counts are refused', () => {
  const h = computeHistogram([2, 2, 2], { bins: 3 });
  assert.equal(
    h.counts.reduce((a, b) => a + b),
    3,
  );
  assert.deepEqual(binEdges([2, 2], 1), [1.5, 2.5]);
  assert.throws(() => binEdges([0, 1], 0), /bins must be a positive integer/);
  assert.equal(binIndex([0, 1], 2), -1);
});

test('topNCutoff keeps exactly the n largest values when there are no ties', () => {
  const values = Float32Array.from([0.3, 0.9, 0.1, 0.7, 0.5]);
  const cut = topNCutoff(values, 2)!;
  assert.equal([...values].filter((v) => v >= cut).length, 2);
  assert.equal(cut, values[3]);
  assert.equal(topNCutoff(values, 99), Math.min(...values));
  assert.equal(topNCutoff(values, 0), undefined);
  assert.equal(topNCutoff([NaN], 1), undefined);
});
