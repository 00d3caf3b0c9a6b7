// orderByKey (selection/orderByKey.ts) orders positions as the comparator sort it replaced in the
// ball tree, ties by position included, at sizes around its insertion runs and merges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderByKey } from '../../../src/engine/selection/orderByKey';
import { SeededRandom } from '../../../src/engine/model/rng';

function comparatorOrder(key: ArrayLike<number>): number[] {
  return Array.from({ length: key.length }, (_, i) => i).sort((x, y) => key[x] - key[y] || x - y);
}

test('orderByKey gives the comparator sort, ties by position, on keys with many ties, -0 and +0, runs and reversals', () => {
  const random = new SeededRandom(4);
  for (const n of [0, 1, 2, 15, 16, 17, 31, 33, 100, 1000, 4097]) {
    const keys: Float64Array[] = [
      Float64Array.from({ length: n }, () => random.normal()),
      Float64Array.from({ length: n }, () => random.int(5) - 2),
      Float64Array.from({ length: n }, (_, i) => (i % 2 ? -0 : 0)),
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => n - i),
      Float64Array.from({ length: n }, (_, i) => Math.floor(i / 7) % 3),
    ];
    for (const key of keys) assert.deepEqual(Array.from(orderByKey(key)), comparatorOrder(key), `n ${n}`);
  }
});
