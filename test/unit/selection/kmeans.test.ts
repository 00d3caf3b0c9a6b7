/** k-means' assignment pass: fused for speed (two rows at a time, vectors.ts's dotTwoRows), it must give what one dotRows per row and centroid gives, to the last bit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/engine/model/rng';
import { SimilarityBounds, assignNearest, kmeans } from '../../../src/engine/selection/kmeans';
import { dotRows, normalizeRows } from '../../../src/engine/selection/vectors';

test('assignNearest picks the first of the nearest centroids with the dot product dotRows gives, bit for bit', () => {
  const rng = new SeededRandom(9);
  // Widths that are and are not multiples of the loops' blocking (4 dims), rows taken two at a time.
  for (const dim of [1, 4, 7, 130]) {
    for (const k of [1, 2, 5, 8]) {
      const n = 201; // odd: the last row has no partner
      const rows = normalizeRows(
        Float32Array.from({ length: n * dim }, () => rng.normal()),
        dim,
      );
      const centroids = new Float32Array(k * dim);
      for (let c = 0; c < k; c++) centroids.set(rows.subarray(c * 3 * dim, c * 3 * dim + dim), c * dim);
      // A centroid repeated: rows nearest to it tie between the two copies, and the first must win.
      if (k > 2) centroids.copyWithin((k - 1) * dim, 1 * dim, 2 * dim);
      const assignment = new Int32Array(n);
      const similarity = new Float32Array(n);
      assignNearest(rows, centroids, dim, assignment, similarity);
      for (let i = 0; i < n; i++) {
        let best = -Infinity;
        let bestC = 0;
        for (let c = 0; c < k; c++) {
          const s = dotRows(rows, i, centroids, c, dim);
          if (s > best) {
            best = s;
            bestC = c;
          }
        }
        assert.equal(assignment[i], bestC, `dim ${dim}, k ${k}, row ${i}`);
        assert.equal(similarity[i], Math.fround(best), `dim ${dim}, k ${k}, row ${i}`);
      }
      if (k > 2) assert.ok(!assignment.includes(k - 1), 'the second copy of a centroid never wins');
    }
  }
});

test('k-means on every row (the bounds that skip dot products) ends with each row at its nearest centroid, as assignNearest gives it', () => {
  const rng = new SeededRandom(4);
  const dim = 9;
  for (const [n, k] of [
    [300, 7],
    [1000, 25],
  ]) {
    // Clumps of copies and near-copies, so that many rows sit near the border of two clusters.
    const base = Array.from({ length: 12 }, () => Array.from({ length: dim }, () => rng.normal()));
    const rows = normalizeRows(
      Float32Array.from(
        { length: n * dim },
        (_, x) => base[Math.floor(x / dim) % 12][x % dim] + 0.3 * rng.normal() * (x % 3),
      ),
      dim,
    );
    const result = kmeans(rows, dim, { k, seed: 2, sampleSize: n });
    const assignment = new Int32Array(n);
    const similarity = new Float32Array(n);
    assignNearest(rows, result.centroids, dim, assignment, similarity);
    assert.deepEqual(result.assignment, assignment, `n ${n}, k ${k}`);
    assert.deepEqual(result.similarity, similarity, `n ${n}, k ${k}`);
    // Too many bounds to keep (a user's thousands of clusters): plain passes, the same fit.
    const unbounded = kmeans(rows, dim, { k, seed: 2, sampleSize: n, maxBoundEntries: n * k - 1 });
    assert.deepEqual(unbounded, result, `n ${n}, k ${k} without bounds`);
  }
});

test('a pass with bounds that starts from the later of two equal centroids still gives the first', () => {
  const rng = new SeededRandom(5);
  const dim = 6;
  const n = 40;
  const rows = normalizeRows(
    Float32Array.from({ length: n * dim }, () => rng.normal()),
    dim,
  );
  const centroids = rows.slice(0, 4 * dim);
  centroids.copyWithin(3 * dim, 0, dim); // centroid 3 is centroid 0
  const bounds = new SimilarityBounds(rows, dim, 4);
  const assignment = new Int32Array(n).fill(3);
  const similarity = new Float32Array(n);
  bounds.assign(centroids, assignment, similarity);
  const expected = { assignment: new Int32Array(n), similarity: new Float32Array(n) };
  assignNearest(rows, centroids, dim, expected.assignment, expected.similarity);
  assert.ok(expected.assignment.includes(0), 'some rows are nearest to the repeated centroid');
  assert.deepEqual(assignment, expected.assignment);
  assert.deepEqual(similarity, expected.similarity);
});
