/**
 * The picks of every hierarchical method, and of the exact selectors, at a fixed seed, pinned: speed work on k-means and the
 * distance loops (docs/performance.md) must not change what is selected. The pool has what makes
 * order and ties matter: exact duplicate rows, equal difficulties, and row counts and a width (dim
 * 130) that are not multiples of the loops' blocking. The digests were recorded from the code
 * before that work (base 5129701); a deliberate change of the selection updates them here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectSubset, type SelectionInput, type SelectionMethod } from '../../../src/engine/selection/methods';
import { syntheticPool } from './syntheticPool';

function pool(): SelectionInput {
  const dim = 130;
  const base = syntheticPool({ n: 5001, dim, sources: 31, seed: 7 });
  // Rows 0..299 copied bit for bit over rows 4700..4999 (more rows than k-means fits its centroids on), and difficulties rounded so many tie.
  base.embeddings.copyWithin(4700 * dim, 0, 300 * dim);
  const difficulty = base.difficulty.map((d) => Math.round(d * 8) / 8);
  const keyPatches = base.keyPatches.map((p) => ({ ...p, difficulty: Math.round((p.difficulty ?? 0) * 4) / 4 }));
  return { ...base, difficulty, keyPatches };
}

/** FNV-1a over the picks in order (and the patches, where the method has them). */
function digest(values: readonly number[]): string {
  let h = 0x811c9dc5;
  for (const v of values) h = Math.imul(h ^ v, 0x01000193);
  return `${values.length}:${(h >>> 0).toString(16)}`;
}

const PINNED: Record<string, { selected: string; patches?: string }> = {
  'kcenter/4': { selected: '250:a98cc618' },
  'kcenter/32': { selected: '250:3712285c' },
  'prototypes/4': { selected: '250:b6192ad6' },
  'prototypes/32': { selected: '250:7806ff5a' },
  'meddel/4': { selected: '250:b55bd68e' },
  'meddel/32': { selected: '250:a04b87e9' },
  'optidel/4': { selected: '731:89eba538', patches: '1000:78475f48' },
  'optidel/32': { selected: '746:65d76d5b', patches: '1000:ac2bce10' },
  kcenter: { selected: '250:4da00d64' },
  prototypes: { selected: '250:7521c8f0' },
  meddel: { selected: '250:6e9cc5ce' },
  optidel: { selected: '532:c999d9e2', patches: '1000:febd8a1' },
};

test("the hierarchical picks at a fixed seed, and the exact selectors' picks, are those recorded before the speed work", () => {
  const input = pool();
  const seen: Record<string, { selected: string; patches?: string }> = {};
  for (const method of ['kcenter', 'prototypes', 'meddel', 'optidel'] as SelectionMethod[]) {
    for (const branching of [4, 32]) {
      const result = selectSubset(method, input, { budget: 0.05, seed: 3, hierarchical: true, branching });
      seen[`${method}/${branching}`] = {
        selected: digest(result.selected),
        ...(result.patches ? { patches: digest(result.patches) } : {}),
      };
    }
  }
  for (const method of ['kcenter', 'prototypes', 'meddel', 'optidel'] as SelectionMethod[]) {
    const result = selectSubset(method, input, { budget: 0.05, seed: 3 });
    seen[method] = {
      selected: digest(result.selected),
      ...(result.patches ? { patches: digest(result.patches) } : {}),
    };
  }
  assert.deepEqual(seen, PINNED);
});
