/**
 * MedDEL, the predecessor paper's selector (SemDeDup-style), made to hit a budget exactly:
 *  1. exact duplicates are removed first (the first occurrence stays);
 *  2. spherical k-means on the normalised embeddings;
 *  3. rows farther than `outlierDistance` (cosine distance, eps = 0.9 in the paper) from their
 *     centroid are outliers and dropped;
 *  4. within a cluster, rows are ordered from least to most typical (similarity to the centroid,
 *     ascending, as SemDeDup keeps the least typical of a duplicate group) and each row gets the largest
 *     cosine similarity to any earlier row; a row is a near-duplicate at threshold eta when that exceeds
 *     eta. The kept count is monotone in eta, so the eta that keeps exactly the budget is the budget-th
 *     smallest of those similarities: we find it by sorting (what bisection on eta converges to) and
 *     break ties at eta by row order, so the budget is met exactly.
 * Our choices where the paper is silent: pairs are compared within leaves of at most `leafSize` rows
 * (the leaves of a ball tree inside each cluster), which keeps the cost O(N·leafSize·D) instead of
 * quadratic in the cluster size; near-duplicates at cosine > 0.7 almost always share a leaf. When fewer
 * than the budget survive, outliers (closest to their centroid first), then duplicates, fill the rest.
 */
import { exactDuplicateOf } from './duplicates';
import { buildBallTree, leaves } from './ballTree';
import { clusterMembers, defaultClusterCount, kmeans } from './kmeans';
import { similarityToMean, type LeafRule } from './hierarchicalKMeans';
import { dotRows, gatherRows } from './vectors';

export interface MeddelOptions {
  budget: number;
  seed: number;
  clusters?: number;
  /** eps: cosine distance to the centroid beyond which a row is an outlier (default 0.9). */
  outlierDistance?: number;
  /** Near-duplicate pairs are searched within sub-clusters of at most this many rows (default 128). */
  leafSize?: number;
}

export interface MeddelResult {
  selected: number[];
  /** The duplicate threshold that met the budget (cosine similarity). */
  eta: number;
  exactDuplicates: number;
  outliers: number;
}

/** `vectors` are the raw embeddings (exact duplicates are found on their bits); `normalized` their unit-length rows. */
export function meddelSelect(
  vectors: Float32Array,
  normalized: Float32Array,
  dim: number,
  options: MeddelOptions,
): MeddelResult {
  const n = vectors.length / dim;
  const budget = Math.min(options.budget, n);
  const duplicateOf = exactDuplicateOf(vectors, dim);
  const unique = Int32Array.from({ length: n }, (_, i) => i).filter((i) => duplicateOf[i] < 0);
  const rows = gatherRows(normalized, dim, unique);
  const { assignment, similarity, k } = kmeans(rows, dim, {
    k: options.clusters ?? defaultClusterCount(unique.length),
    seed: options.seed,
  });
  const tree = buildBallTree(rows, dim, {
    seed: options.seed,
    rootGroups: clusterMembers(assignment, k),
    leafSize: options.leafSize ?? 128,
  });
  const eps = options.outlierDistance ?? 0.9;
  const outlier = (u: number) => 1 - similarity[u] > eps;
  const maxSimilarity = new Float64Array(unique.length).fill(-Infinity);
  for (const leaf of leaves(tree)) {
    const ordered = Array.from(leaf)
      .filter((u) => !outlier(u))
      .sort((a, b) => similarity[a] - similarity[b] || a - b);
    redundancies(rows, dim, ordered).forEach((r, a) => (maxSimilarity[ordered[a]] = r));
  }
  const inlierOrder = Array.from({ length: unique.length }, (_, u) => u)
    .filter((u) => !outlier(u))
    .sort((a, b) => maxSimilarity[a] - maxSimilarity[b] || a - b);
  const kept = inlierOrder.slice(0, budget);
  const eta = kept.length ? maxSimilarity[kept[kept.length - 1]] : -Infinity;
  const outliers = Array.from({ length: unique.length }, (_, u) => u)
    .filter(outlier)
    .sort((a, b) => similarity[b] - similarity[a] || a - b);
  const selected = [...kept, ...outliers.slice(0, budget - kept.length)].map((u) => unique[u]);
  for (let i = 0; i < n && selected.length < budget; i++) if (duplicateOf[i] >= 0) selected.push(i);
  return {
    selected,
    eta: Number.isFinite(eta) ? eta : -1,
    exactDuplicates: n - unique.length,
    outliers: outliers.length,
  };
}

/** For rows in `ordered` (least typical first), each one's largest cosine similarity to an earlier row; -Infinity for the first. */
function redundancies(vectors: Float32Array, dim: number, ordered: readonly number[]): Float64Array {
  const out = new Float64Array(ordered.length).fill(-Infinity);
  for (let a = 1; a < ordered.length; a++)
    for (let b = 0; b < a; b++) out[a] = Math.max(out[a], dotRows(vectors, ordered[a], vectors, ordered[b], dim));
  return out;
}

/**
 * MedDEL on the hierarchical path (hierarchicalKMeans.ts): inside each leaf (about 8 picks, at
 * most a few hundred rows at a budget of 1%), exact duplicates after their first copy left out,
 * rows ordered from least to most typical of the leaf, and the `share` least redundant kept (the
 * smallest largest similarity to an earlier row), as meddelSelect does per sub-cluster with the
 * threshold eta. Outliers are not dropped: the leaf's own centroid is too near for eps to mean
 * what it means for the pool's clusters. Duplicates fill a leaf with too few distinct rows.
 */
export function meddelInLeaf(duplicateOf: Int32Array): LeafRule {
  return {
    picksPerLeaf: 8,
    pick(vectors, dim, rows, share) {
      const similarity = similarityToMean(vectors, dim, rows);
      const ordered = Array.from(rows.keys())
        .filter((i) => duplicateOf[rows[i]] < 0)
        .sort((a, b) => similarity[a] - similarity[b] || rows[a] - rows[b]);
      const redundancy = redundancies(
        vectors,
        dim,
        ordered.map((i) => rows[i]),
      );
      const kept = Array.from(ordered.keys())
        .sort((a, b) => redundancy[a] - redundancy[b] || a - b)
        .slice(0, share)
        .map((a) => rows[ordered[a]]);
      for (const r of rows) if (kept.length < share && duplicateOf[r] >= 0) kept.push(r);
      return kept;
    },
  };
}
