import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import { SELECTION_METHODS, selectSubset } from '../../../src/engine/selection/methods';
import { HIERARCHICAL_METHOD_NAMES } from '../../../src/shared/commands';
import { kCenterGreedy, largestRemainder } from '../../../src/engine/selection/kcenter';
import { centreRows, normalizeRows } from '../../../src/engine/selection/vectors';
import { resolveBudget } from '../../../src/engine/selection/budget';
import { SeededRandom } from '../../../src/engine/model/rng';
import { syntheticPool } from './syntheticPool';

const pool = syntheticPool({ n: 600, dim: 16, sources: 12, seed: 5 });

test('every method meets the budget exactly, as a fraction or a count', () => {
  for (const method of SELECTION_METHODS) {
    for (const budget of [0.05, 37]) {
      const b = resolveBudget(budget, 600);
      const result = selectSubset(method, pool, { budget, seed: 1 });
      assert.equal(new Set(result.selected).size, result.selected.length, `${method}: duplicates in the selection`);
      if (method === 'full') assert.equal(result.selected.length, 600);
      else if (method === 'optidel')
        assert.equal(result.patches?.length, 4 * b, 'optidel keeps exactly M x B key patches');
      else assert.equal(result.selected.length, b, `${method} at budget ${budget}`);
    }
  }
});

test('--hierarchical is refused, naming the method, where there is no hierarchical path', () => {
  for (const method of SELECTION_METHODS.filter((m) => !HIERARCHICAL_METHOD_NAMES.includes(m))) {
    assert.throws(
      () => selectSubset(method, pool, { budget: 0.1, seed: 1, hierarchical: true }),
      new RegExp(`${method} has no hierarchical path`),
    );
  }
  for (const method of HIERARCHICAL_METHOD_NAMES) {
    const result = selectSubset(method, pool, { budget: 30, seed: 1, hierarchical: true });
    if (method === 'optidel') assert.equal(result.patches?.length, 4 * 30, 'optidel: M x B key patches');
    else assert.equal(result.selected.length, 30, method);
  }
});

test('the same seed gives the same subset; another seed another random subset', () => {
  for (const method of SELECTION_METHODS) {
    const a = selectSubset(method, pool, { budget: 0.1, seed: 7 });
    const b = selectSubset(method, pool, { budget: 0.1, seed: 7 });
    assert.deepEqual(a, b, method);
  }
  assert.notDeepEqual(
    selectSubset('random', pool, { budget: 0.1, seed: 7 }).selected,
    selectSubset('random', pool, { budget: 0.1, seed: 8 }).selected,
  );
});

test('optidel: near-duplicate sources cannot fill the budget', () => {
  // One source of 300 near-identical, very hard slices; 30 other sources of 10 diverse, easier ones.
  const dim = 8;
  const rng = new SeededRandom(3);
  const n = 600;
  const embeddings = new Float32Array(n * dim);
  const difficulty = new Float32Array(n);
  const sources: string[] = [];
  for (let i = 0; i < n; i++) {
    const dominant = i < 300;
    for (let d = 0; d < dim; d++)
      embeddings[i * dim + d] = dominant ? (d === 0 ? 1 : 0.001 * rng.normal()) : rng.normal();
    difficulty[i] = dominant ? 10 + rng.next() : rng.next();
    sources.push(dominant ? 'volume-a' : `volume-${Math.floor(i / 10)}`);
  }
  const keyPatches = Array.from({ length: n }, (_, i) => ({
    id: i,
    sampleId: i,
    box: [0, 0, 8, 8] as [number, number, number, number],
    origin: 'auto' as const,
  }));
  const input = { embeddings, dim, difficulty, sources, keyPatches };
  // At twice their share the 30 diverse sources alone hold 4 x 30 = 120 >= 80 patches (at their share, 60).
  const result = selectSubset('optidel', input, { budget: 20, seed: 1, optidel: { sourceCapFactor: 2 } });
  assert.deepEqual(
    result.relaxed,
    {
      nearDuplicate: 0,
      acquisitionCap: 0,
      capDoublings: 0,
      short: 0,
      nearDuplicateDistance: 0.05,
      distanceHalvings: 0,
    },
    'enough diverse samples: the rules never had to be relaxed',
  );
  assert.equal(result.patches?.length, 80);
  const fromDominant = result.selected.filter((i) => i < 300).length;
  assert.ok(
    fromDominant <= result.details.sourceCap,
    `${fromDominant} patches from one source, cap ${result.details.sourceCap}`,
  );
  assert.ok(fromDominant <= 1, 'the near-identical slices count as one sample');
  const unit = normalizeRows(centreRows(embeddings, dim), dim);
  for (const a of result.selected) {
    for (const b of result.selected) {
      if (a < b) {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += unit[a * dim + d] * unit[b * dim + d];
        assert.ok(
          1 - dot >= 0.05,
          `samples ${a} and ${b} are near-duplicates (cosine distance ${1 - dot} after centring)`,
        );
      }
    }
  }
  // Without the constraints the hardest patches would all be the dominant source's.
  const unconstrained = selectSubset('optidel', input, {
    budget: 20,
    seed: 1,
    optidel: { sourceCapFactor: 1e9, minCosineDistance: 0 },
  });
  assert.equal(unconstrained.selected.filter((i) => i < 300).length, 80);
});

test('kcenter matches the plain greedy farthest-point algorithm on small inputs', () => {
  for (const seed of [1, 2, 3]) {
    const small = syntheticPool({ n: 400, dim: 12, sources: 8, seed });
    const unit = normalizeRows(small.embeddings, small.dim);
    const expected = bruteForceKCenter(unit, small.dim, 40, 17);
    assert.deepEqual(kCenterGreedy(unit, small.dim, { budget: 40, seed, first: 17 }), expected);
  }
});

test('kcenter on a pool of several regions still meets the budget with distinct rows', () => {
  const big = syntheticPool({ n: 3000, dim: 8, sources: 30, seed: 4 });
  const selected = kCenterGreedy(normalizeRows(big.embeddings, 8), 8, { budget: 150, seed: 1, regionSize: 500 });
  assert.equal(new Set(selected).size, 150);
});

test('largestRemainder shares a total in proportion, capped by size', () => {
  assert.deepEqual(largestRemainder([10, 10, 10], 5), [2, 2, 1]);
  assert.deepEqual(largestRemainder([1, 100], 50), [0, 50]);
  assert.equal(
    largestRemainder([3, 7, 11, 13], 17).reduce((a, b) => a + b),
    17,
  );
});

test('meddel removes exact duplicates first', () => {
  const base = syntheticPool({ n: 200, dim: 8, sources: 4, seed: 9 });
  const dim = 8;
  // Rows 200..299 repeat rows 0..99 bit for bit.
  const embeddings = new Float32Array(300 * dim);
  embeddings.set(base.embeddings);
  embeddings.set(base.embeddings.subarray(0, 100 * dim), 200 * dim);
  const input = {
    embeddings,
    dim,
    difficulty: new Float32Array(300),
    sources: Array.from({ length: 300 }, (_, i) => `s${i % 4}`),
  };
  for (const budget of [50, 150, 200]) {
    const result = selectSubset('meddel', input, { budget, seed: 1 });
    assert.equal(result.details.exactDuplicates, 100);
    assert.equal(result.selected.length, budget);
    assert.ok(
      result.selected.every((i) => i < 200),
      `budget ${budget}: a duplicate was kept while unique rows were left`,
    );
  }
  // Only when the budget exceeds the unique rows do duplicates come back, to meet it exactly.
  assert.equal(selectSubset('meddel', input, { budget: 250, seed: 1 }).selected.filter((i) => i >= 200).length, 50);
});

test('meddel drops the most similar rows first: a tight budget keeps none of a near-duplicate pair', () => {
  const dim = 4;
  const rows = [
    [1, 0, 0, 0],
    [0.999, 0.01, 0, 0], // a near-duplicate pair
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
    [0.5, 0.5, 0.5, 0.5],
  ];
  const input = {
    embeddings: Float32Array.from(rows.flat()),
    dim,
    difficulty: new Float32Array(6),
    sources: rows.map((_, i) => `s${i}`),
  };
  const result = selectSubset('meddel', input, { budget: 5, seed: 1, clusters: 1, meddel: { outlierDistance: 2 } });
  assert.ok(!(result.selected.includes(0) && result.selected.includes(1)));
  assert.ok(result.details.eta < 0.99);
});

function bruteForceKCenter(vectors: Float32Array, dim: number, budget: number, first: number): number[] {
  const n = vectors.length / dim;
  const nearest = new Float64Array(n).fill(Infinity);
  const selected = [first];
  while (selected.length < budget) {
    const c = selected[selected.length - 1];
    let best = -1;
    for (let p = 0; p < n; p++) {
      nearest[p] = Math.min(nearest[p], distance(vectors, p, c, dim));
      if (best < 0 || nearest[p] > nearest[best]) best = p;
    }
    selected.push(best);
  }
  return selected;
}

/** Same summation order as the engine's distanceRows (four interleaved accumulators), so ties resolve identically. */
function distance(v: Float32Array, a: number, b: number, dim: number): number {
  const s = [0, 0, 0, 0];
  for (let d = 0; d < dim; d++) s[d % 4] += (v[a * dim + d] - v[b * dim + d]) ** 2;
  return Math.sqrt(s[0] + s[1] + s[2] + s[3]);
}

test('easy keeps the lowest difficulties and skips exact duplicates of an easy sample', () => {
  const dim = pool.dim;
  const embeddings = pool.embeddings.slice();
  const difficulty = pool.difficulty.slice();
  const easiest = Array.from(difficulty.keys()).sort((a, b) => difficulty[a]! - difficulty[b]!);
  // Sample `twin` becomes a bit-identical copy of the easiest sample, with the same difficulty.
  const twin = easiest.at(-1)!;
  embeddings.set(embeddings.subarray(easiest[0]! * dim, (easiest[0]! + 1) * dim), twin * dim);
  difficulty[twin] = difficulty[easiest[0]!]!;
  const { selected } = selectSubset('easy', { ...pool, embeddings, difficulty }, { budget: 10, seed: 1 });
  assert.ok(!selected.includes(twin), 'the duplicate is left out');
  assert.deepEqual(
    [...selected].sort((a, b) => a - b),
    easiest.slice(0, 10).sort((a, b) => a - b),
  );
});

test('centreRows subtracts each column mean, without a JavaScript array of the values (heap stays flat)', () => {
  const rows = 2;
  const small = centreRows(Float32Array.of(1, 10, 3, 30), rows);
  assert.deepEqual(Array.from(small), [-1, -10, 1, 10]);
  // 4M values: building them through a JavaScript array (Float32Array.from with a map) takes over
  // 100 MiB of heap; the typed loop takes none beyond the output, which lives outside the heap.
  const big = new Float32Array(4 << 20).map((_, i) => i % 7);
  const profiler = new v8.GCProfiler();
  const before = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  const centred = centreRows(big, 128);
  let peak = v8.getHeapStatistics().used_heap_size;
  for (const gc of profiler.stop().statistics) peak = Math.max(peak, gc.beforeGC.heapStatistics.usedHeapSize);
  assert.ok(peak - before < 32 * 2 ** 20, `heap grew by ${((peak - before) / 2 ** 20).toFixed(0)} MiB`);
  let columnSum = 0;
  for (let r = 0; r < centred.length / 128; r++) columnSum += centred[r * 128 + 5];
  assert.ok(Math.abs(columnSum) < 1e-2, `column 5 sums to ${columnSum} after centring`);
});
