// distanceRowsBelow (selection/vectors.ts): below its limit it is distanceRows to the bit, and
// otherwise it says so, at a limit equal to the distance itself (a tie), just above or below it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distanceRows, distanceRowsBelow } from '../../../src/engine/selection/vectors';
import { SeededRandom } from '../../../src/engine/model/rng';

test('distanceRowsBelow is distanceRows below the limit and at least the limit otherwise, ties included', () => {
  const random = new SeededRandom(9);
  for (const dim of [1, 3, 4, 31, 32, 33, 64, 130]) {
    const rows = 40;
    const vectors = Float32Array.from({ length: rows * dim }, () => (random.next() < 0.2 ? 0 : random.normal()));
    vectors.copyWithin(dim, 0, dim); // rows 0 and 1 equal: distance 0
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rows; j++) {
        const exact = distanceRows(vectors, i, vectors, j, dim);
        for (const limit of [exact, exact * (1 + 1e-12) + 1e-300, exact * (1 - 1e-12), exact / 2, 0, Infinity]) {
          const d = distanceRowsBelow(vectors, i, vectors, j, dim, limit);
          if (exact < limit) assert.equal(d, exact, `dim ${dim}, rows ${i} ${j}, limit ${limit}`);
          else assert.ok(d >= limit, `dim ${dim}, rows ${i} ${j}: ${d} under limit ${limit} though ${exact} is not`);
        }
      }
    }
  }
});
