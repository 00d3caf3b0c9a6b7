/**
 * SSL prototypes (Sorscher et al., 2022): k-means on self-supervised embeddings, difficulty = cosine
 * distance to the nearest centroid (the prototype), keep the hardest (farthest) rows.
 */
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
