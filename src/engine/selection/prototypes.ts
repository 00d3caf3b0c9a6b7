/**
 * SSL prototypes (Sorscher et al., 2022): k-means on self-supervised embeddings, difficulty = cosine
 * distance to the nearest centroid (the prototype), keep the hardest (farthest) rows.
 */
import { similarityToMean, type LeafRule } from './hierarchicalKMeans';
import { defaultClusterCount, kmeans } from './kmeans';
import { argsortDescending } from './vectors';

export function prototypesSelect(
  normalized: Float32Array,
  dim: number,
  options: { budget: number; seed: number; clusters?: number },
): number[] {
  const n = normalized.length / dim;
  const { similarity } = kmeans(normalized, dim, { k: options.clusters ?? defaultClusterCount(n), seed: options.seed });
  const distance = Float64Array.from(similarity, (s) => 1 - s);
  return argsortDescending(distance).slice(0, Math.min(options.budget, n));
}

/**
 * Prototypes on the hierarchical path (hierarchicalKMeans.ts): inside each leaf, the rows least
 * like the leaf's centroid, its prototype. Leaves of about 8 picks, so each keeps the hardest of
 * the rows around its own prototype, where the exact method keeps the hardest of the whole pool.
 */
export const PROTOTYPES_IN_LEAF: LeafRule = {
  picksPerLeaf: 8,
  pick(vectors, dim, rows, share) {
    const similarity = similarityToMean(vectors, dim, rows);
    return Array.from(rows.keys())
      .sort((a, b) => similarity[a] - similarity[b] || rows[a] - rows[b])
      .slice(0, share)
      .map((i) => rows[i]);
  },
};
