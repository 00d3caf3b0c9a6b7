/** k-means' assignment pass: fused for speed (two rows at a time, vectors.ts's dotTwoRows), it must give what one dotRows per row and centroid gives, to the last bit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/engine/model/rng';
import { assignNearest } from '../../../src/engine/selection/kmeans';
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
