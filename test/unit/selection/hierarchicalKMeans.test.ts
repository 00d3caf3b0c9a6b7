/** Hierarchical k-means selection (kcenter, prototypes, meddel; optidel in optidelHierarchical.test.ts): distinct, deterministic, and balanced over clusters however unequal their sizes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/engine/model/rng';
import { balancedShares, hierarchicalKMeansSelect } from '../../../src/engine/selection/hierarchicalKMeans';
import { exactDuplicateOf } from '../../../src/engine/selection/duplicates';
import { meddelInLeaf } from '../../../src/engine/selection/meddel';
import { PROTOTYPES_IN_LEAF } from '../../../src/engine/selection/prototypes';
import { normalizeRows } from '../../../src/engine/selection/vectors';

/** Ten well-separated blobs on the sphere: blob 0 holds 9000 rows, the others 100 each. */
function unequalBlobs(dim = 16): { vectors: Float32Array; blob: Int32Array } {
  const rng = new SeededRandom(3);
  const sizes = [9000, ...Array.from({ length: 9 }, () => 100)];
  const n = sizes.reduce((a, b) => a + b, 0);
  const vectors = new Float32Array(n * dim);
  const blob = new Int32Array(n);
  let row = 0;
  sizes.forEach((size, b) => {
    const centre = Array.from({ length: dim }, () => rng.normal());
    for (let i = 0; i < size; i++, row++) {
      blob[row] = b;
      for (let d = 0; d < dim; d++) vectors[row * dim + d] = centre[d] + 0.05 * rng.normal();
    }
  });
  return { vectors: normalizeRows(vectors, dim), blob };
}

test('every blob gets an equal share of the picks, not a share in proportion to its size', () => {
  const { vectors, blob } = unequalBlobs();
  const { selected: picked, hierarchy } = hierarchicalKMeansSelect(vectors, 16, {
    budget: 200,
    seed: 1,
    branching: 10,
  });
  assert.equal(picked.length, 200);
  assert.equal(new Set(picked).size, 200, 'distinct rows');
  const perBlob = new Array(10).fill(0);
  for (const p of picked) perBlob[blob[p]]++;
  assert.deepEqual(perBlob, new Array(10).fill(20), `picks per blob: ${perBlob.join(',')}`);
  assert.deepEqual(hierarchicalKMeansSelect(vectors, 16, { budget: 200, seed: 1, branching: 10 }).selected, picked);
  // The tree it reports: leaves of at most 9900 / 200 = 49 rows, so at least 203 of them, which
  // at 10 children per cluster takes at least 3 levels.
  assert.equal(hierarchy.branching, 10);
  assert.ok(hierarchy.leaves >= Math.ceil(9900 / 49), `leaves: ${hierarchy.leaves}`);
  assert.ok(hierarchy.levels >= Math.ceil(Math.log10(hierarchy.leaves)), `levels: ${hierarchy.levels}`);
  assert.ok(hierarchy.leaves <= 10 ** hierarchy.levels, 'no more leaves than the levels can hold');
});

test('balanced shares: small clusters give all they have, the rest is shared evenly, the total is kept', () => {
  const rng = () => new SeededRandom(0);
  assert.deepEqual(balancedShares([2, 50, 50], 30, rng()), [2, 14, 14]);
  assert.deepEqual(balancedShares([5, 5], 20, rng()), [5, 5], 'never more than a cluster holds');
  const odd = balancedShares([10, 10, 10], 7, rng());
  assert.equal(
    odd.reduce((a, b) => a + b, 0),
    7,
  );
  assert.ok(Math.max(...odd) - Math.min(...odd) <= 1);
});

test('prototypes and meddel on the hierarchical path: balanced over the blobs, each by its own rule inside', () => {
  const { vectors, blob } = unequalBlobs();
  const dim = 16;
  const n = blob.length;
  // Every row twice, bit for bit: MedDEL must never keep both copies.
  const doubled = new Float32Array(2 * vectors.length);
  doubled.set(vectors);
  doubled.set(vectors, vectors.length);
  const twice = (r: number) => r % n;
  for (const rule of [PROTOTYPES_IN_LEAF, meddelInLeaf(exactDuplicateOf(doubled, dim))]) {
    const picked = hierarchicalKMeansSelect(doubled, dim, { budget: 200, seed: 1, branching: 10 }, rule).selected;
    assert.equal(new Set(picked).size, 200, 'distinct rows');
    const perBlob = new Array(10).fill(0);
    for (const p of picked) perBlob[blob[twice(p)]]++;
    assert.deepEqual(perBlob, new Array(10).fill(20), `picks per blob: ${perBlob.join(',')}`);
    if (rule !== PROTOTYPES_IN_LEAF)
      assert.equal(new Set(picked.map(twice)).size, 200, 'meddel keeps one copy of each duplicate');
  }
  // Prototypes inside a leaf: the rows least like its centroid, exactly.
  const rows = Int32Array.from({ length: 300 }, (_, i) => i * 7);
  const mean = new Float64Array(dim);
  for (const r of rows) for (let d = 0; d < dim; d++) mean[d] += vectors[r * dim + d];
  const cosine = (r: number) => {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += vectors[r * dim + d] * mean[d];
    return dot;
  };
  const expected = Array.from(rows)
    .sort((a, b) => cosine(a) - cosine(b))
    .slice(0, 12);
  assert.deepEqual(new Set(PROTOTYPES_IN_LEAF.pick(vectors, dim, rows, 12)), new Set(expected));
});
