/**
 * Every selection method behind one function: the pool's embeddings, difficulty and sources in,
 * the chosen samples (and key patches) out. Deterministic for a seed; the budget is a fraction of
 * the pool (0 < b <= 1) or a count of images (> 1).
 */
import type { KeyPatch, RelaxedPicks, SelectionHierarchy } from '../../shared/artifacts';
import { SeededRandom, permutation } from '../model/rng';
import { resolveBudget } from './budget';
import { hierarchicalKMeansSelect } from './hierarchicalKMeans';
import { kCenterGreedy } from './kcenter';
import { meddelInLeaf, meddelSelect, type MeddelOptions } from './meddel';
import { optidelHierarchicalSelect, optidelSelect, type OptidelOptions } from './optidel';
import { PROTOTYPES_IN_LEAF, prototypesSelect } from './prototypes';
import { centreRows, normalizeRows, normalizeRowsInPlace, rowCount } from './vectors';
import { exactDuplicateOf } from './duplicates';

import { HIERARCHICAL_METHOD_NAMES, SELECTION_METHOD_NAMES, type SelectionMethodName } from '../../shared/commands';

export const SELECTION_METHODS = SELECTION_METHOD_NAMES;
export type SelectionMethod = SelectionMethodName;

export interface SelectionInput {
  /** N x dim pooled encoder embeddings. */
  embeddings: Float32Array;
  dim: number;
  /** Per-sample masked reconstruction error. */
  difficulty: Float32Array;
  /** Per-sample acquisition (volume, frame sequence, user group: docs/data.md), for the diversity rules. */
  sources: string[];
  keyPatches?: KeyPatch[];
}

export interface SelectionOptions {
  budget: number;
  seed: number;
  /** k-means clusters for meddel and prototypes (default about √N, at most 100). */
  clusters?: number;
  optidel?: OptidelOptions;
  meddel?: Omit<MeddelOptions, 'budget' | 'seed' | 'clusters'>;
  /** kcenter, prototypes, meddel, optidel: hierarchical k-means with balanced sampling (hierarchicalKMeans.ts), each method's rule inside the leaves, for pools of millions. */
  hierarchical?: boolean;
  /** On the hierarchical path: children per cluster (default hierarchicalKMeans.ts's DEFAULT_BRANCHING). */
  branching?: number;
}

export interface SelectionResult {
  selected: number[];
  patches?: number[];
  /** Method-specific facts worth reporting (thresholds, counts removed). */
  details: Record<string, number>;
  /** optidel: picks that went past a diversity rule, by rule. */
  relaxed?: RelaxedPicks;
  /** On the hierarchical path: the hierarchy the picks were made on. */
  hierarchy?: SelectionHierarchy;
}

export function selectSubset(
  method: SelectionMethod,
  input: SelectionInput,
  options: SelectionOptions,
): SelectionResult {
  const n = rowCount(input.embeddings, input.dim);
  if (input.difficulty.length !== n || input.sources.length !== n) {
    throw new Error(
      `selection input mismatch: ${n} embeddings, ${input.difficulty.length} difficulties, ${input.sources.length} sources`,
    );
  }
  // Refused rather than run exact under a flag that promised otherwise.
  if (options.hierarchical && !HIERARCHICAL_METHOD_NAMES.includes(method)) {
    throw new Error(
      `--hierarchical applies to ${HIERARCHICAL_METHOD_NAMES.join(', ')}; ${method} has no hierarchical path (docs/scale-out.md)`,
    );
  }
  const budget = resolveBudget(options.budget, n);
  const { seed, clusters, branching } = options;
  const normalized = () => normalizeRows(input.embeddings, input.dim);
  const hierarchical = { budget, seed, branching };
  switch (method) {
    case 'full':
      return { selected: Array.from({ length: n }, (_, i) => i), details: {} };
    case 'random':
      return { selected: Array.from(permutation(n, new SeededRandom(seed)).subarray(0, budget)), details: {} };
    case 'prototypes':
      return options.hierarchical
        ? { ...hierarchicalKMeansSelect(normalized(), input.dim, hierarchical, PROTOTYPES_IN_LEAF), details: {} }
        : { selected: prototypesSelect(normalized(), input.dim, { budget, seed, clusters }), details: {} };
    case 'kcenter':
      return options.hierarchical
        ? { ...hierarchicalKMeansSelect(normalized(), input.dim, hierarchical), details: {} }
        : { selected: kCenterGreedy(normalized(), input.dim, { budget, seed }), details: {} };
    case 'easy':
      return { selected: easiestFirst(input, budget), details: {} };
    case 'meddel': {
      if (options.hierarchical) {
        const duplicateOf = exactDuplicateOf(input.embeddings, input.dim);
        const rule = meddelInLeaf(duplicateOf);
        return {
          ...hierarchicalKMeansSelect(normalized(), input.dim, hierarchical, rule),
          details: { exactDuplicates: duplicateOf.filter((d) => d >= 0).length },
        };
      }
      const { selected, ...details } = meddelSelect(input.embeddings, normalized(), input.dim, {
        ...options.meddel,
        budget,
        seed,
        clusters,
      });
      return { selected, details };
    }
    case 'optidel': {
      if (!input.keyPatches?.length)
        throw new Error(
          'optidel selection needs key patches with difficulty: run "optidel propose" (and "optidel score") first',
        );
      if (options.hierarchical && options.optidel?.minCosineDistance !== undefined)
        throw new Error('--min-cosine-distance does not apply with --hierarchical: the clusters stand in for it');
      // Centred: the near-duplicate distance is measured against the pool's spread, not its common component.
      const centred = normalizeRowsInPlace(centreRows(input.embeddings, input.dim), input.dim);
      const pool = { ...input, normalized: centred, keyPatches: input.keyPatches };
      if (options.hierarchical) {
        const { selected, patches, relaxed, hierarchy, ...details } = optidelHierarchicalSelect(
          pool,
          budget,
          seed,
          options.optidel,
          branching,
        );
        return { selected, patches, relaxed, hierarchy, details };
      }
      const { selected, patches, relaxed, ...details } = optidelSelect(pool, budget, seed, options.optidel);
      return { selected, patches, relaxed, details };
    }
  }
}

/**
 * The easy-first arm (Sorscher et al., NeurIPS 2022: at small budgets, keeping the easiest samples
 * beats keeping the hardest): the B samples of lowest difficulty, exact duplicates after their
 * first copy left out (else a flat frame repeated 50 times would fill the budget), ties by id.
 */
function easiestFirst(input: SelectionInput, budget: number): number[] {
  const duplicateOf = exactDuplicateOf(input.embeddings, input.dim);
  const order = Array.from({ length: input.difficulty.length }, (_, i) => i)
    .filter((i) => duplicateOf[i] < 0)
    .sort((a, b) => input.difficulty[a] - input.difficulty[b] || a - b);
  return order.slice(0, budget);
}
