/** select --balance-by: the budget split across a column's values in proportion to their pool shares, each part chosen by the method. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { balancedSelect, proportionalShares, type BalanceColumn } from '../../../src/engine/selection/balance';
import { SELECTION_METHODS, selectSubset } from '../../../src/engine/selection/methods';
import { gatherRows } from '../../../src/engine/selection/vectors';
import { PATCHES_PER_MOSAIC } from '../../../src/engine/generate/mosaic';
import { SeededRandom } from '../../../src/engine/model/rng';
import { syntheticPool } from './syntheticPool';

test('proportional shares add up to the budget and each is within one of its exact share', () => {
  const rng = new SeededRandom(11);
  for (let trial = 0; trial < 500; trial++) {
    const counts = Array.from({ length: 1 + rng.int(6) }, () => rng.int(40));
    const n = counts.reduce((s, c) => s + c, 0);
    if (n === 0) continue;
    const total = rng.int(n + 1);
    const shares = proportionalShares(counts, total);
    assert.equal(
      shares.reduce((s, c) => s + c, 0),
      total,
      `${counts} / ${total}`,
    );
    shares.forEach((share, k) => {
      assert.ok(Math.abs(share - (counts[k]! * total) / n) < 1, `${counts} / ${total}: ${shares}`);
      assert.ok(share <= counts[k]!);
    });
  }
});

/** A pool of 3 sites with 50, 30 and 20 samples, site given by a column unrelated to the sources. */
function sitePool(): { input: ReturnType<typeof syntheticPool>; column: BalanceColumn } {
  const input = syntheticPool({ n: 100, dim: 16, sources: 10, seed: 5 });
  const of = Uint16Array.from({ length: 100 }, (_, i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2));
  return { input, column: { name: 'site', values: ['A', 'B', 'C'], of } };
}

test('every method balances: each site within one sample of its pool share, picks only from the pool, no repeats', () => {
  const { input, column } = sitePool();
  const sampleOfPatch = new Map(input.keyPatches.map((p) => [p.id, p.sampleId]));
  for (const method of SELECTION_METHODS.filter((m) => m !== 'full')) {
    for (const budget of [7, 0.2, 33]) {
      const { selected, patches } = balancedSelect(method, input, { budget, seed: 2 }, column);
      const total = budget <= 1 ? Math.round(budget * 100) : budget;
      assert.equal(new Set(selected).size, selected.length, method);
      // optidel's budget counts mosaics of PATCHES_PER_MOSAIC key patches: its patches are what is split.
      const perMosaic = method === 'optidel' ? PATCHES_PER_MOSAIC : 1;
      const counted = method === 'optidel' ? patches!.map((p) => sampleOfPatch.get(p)!) : selected;
      if (method !== 'optidel') assert.equal(selected.length, total, `${method} at ${budget}`);
      else assert.equal(patches!.length, total * perMosaic, `optidel at ${budget}`);
      const perSite = [0, 0, 0];
      for (const id of counted) perSite[column.of[id]!]++;
      [0.5, 0.3, 0.2].forEach((share, k) =>
        assert.ok(Math.abs(perSite[k]! / perMosaic - share * total) < 1, `${method} at ${budget}: ${perSite}`),
      );
    }
  }
});

test("a part is the method's own choice on that site's samples, and the first picks of the order stay balanced", () => {
  const { input, column } = sitePool();
  const { selected } = balancedSelect('kcenter', input, { budget: 10, seed: 4 }, column);
  // Site A's part (5 of 10) is k-center run on site A's 50 samples alone.
  const siteA = Array.from({ length: 100 }, (_, i) => i).filter((i) => column.of[i] === 0);
  const alone = selectSubset(
    'kcenter',
    {
      embeddings: gatherRows(input.embeddings, input.dim, siteA),
      dim: input.dim,
      difficulty: Float32Array.from(siteA, (i) => input.difficulty[i]!),
      sources: siteA.map((i) => input.sources[i]!),
    },
    { budget: 5 / 50, seed: 4 },
  );
  assert.deepEqual(
    selected.filter((id) => column.of[id] === 0),
    alone.selected.map((j) => siteA[j]),
  );
  // Any prefix of the order holds each site within one of its share of that prefix.
  for (let k = 1; k <= selected.length; k++) {
    const perSite = [0, 0, 0];
    for (const id of selected.slice(0, k)) perSite[column.of[id]!]++;
    [0.5, 0.3, 0.2].forEach((share, s) => assert.ok(Math.abs(perSite[s]! - share * k) <= 1, `prefix ${k}: ${perSite}`));
  }
});
