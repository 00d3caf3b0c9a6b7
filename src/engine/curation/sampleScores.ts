/**
 * Per-sample curation scores from the pool's embeddings (docs/curation.md, "Per-sample scores"),
 * measured on the centred embeddings as the duplicate groups are (pooled MAE embeddings share a
 * large common component that leaves every raw cosine distance near 0, vectors.ts):
 *
 * - uniqueness: cosine distance to the nearest other sample, from the exact index `optidel
 *   similar` uses (nearest.ts). An isolated sample scores high, a duplicate 0. Exact, so N queries
 *   cost N²·D multiply-adds: seconds at 10k samples, measured by `npm run bench -- curation`.
 * - representativeness: cosine similarity to the centroid of the sample's own k-means cluster
 *   (selection/kmeans.ts, the clusters prototypes and meddel use), not to the pool's one centroid:
 *   a pool of several modalities has no typical sample overall, but each cluster has.
 * - cluster: that k-means cluster.
 * - hardestPatch: the largest per-patch masked error, beside the per-sample mean (difficulty.f32).
 */
import { CosineIndex } from './nearest';
import { defaultClusterCount, kmeans } from '../selection/kmeans';
import { centreRows, normalizeRows, rowCount } from '../selection/vectors';

export interface SampleScores {
  uniqueness: Float32Array;
  representativeness: Float32Array;
  cluster: Int32Array;
  hardestPatch: Float32Array;
  clusters: number;
}

export interface SampleScoreOptions {
  seed: number;
  /** k-means clusters (default about √N, at most 100, as the selectors). */
  clusters?: number;
  /** Called after each block of uniqueness queries, the long part. */
  onProgress?: (done: number, total: number) => void;
}

export function sampleScores(
  embeddings: Float32Array,
  dim: number,
  patchErrors: Float32Array,
  options: SampleScoreOptions,
): SampleScores {
  const n = rowCount(embeddings, dim);
  const centred = centreRows(embeddings, dim);
  const index = new CosineIndex(centred, dim);
  const uniqueness = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [nearest] = index.nearest(i, 1);
    // A pool of one sample has no neighbour: it is as unique as a sample can be.
    uniqueness[i] = nearest ? Math.max(0, 1 - nearest.similarity) : 2;
    if (i % 1024 === 1023) options.onProgress?.(i + 1, n);
  }
  const clustering = kmeans(normalizeRows(centred, dim), dim, {
    k: options.clusters ?? defaultClusterCount(n),
    seed: options.seed,
  });
  return {
    uniqueness,
    representativeness: clustering.similarity,
    cluster: clustering.assignment,
    hardestPatch: rowMaxima(patchErrors, n),
    clusters: clustering.k,
  };
}

function rowMaxima(values: Float32Array, rows: number): Float32Array {
  const width = values.length / rows;
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = -Infinity;
    for (let j = 0; j < width; j++) best = Math.max(best, values[i * width + j]);
    out[i] = width ? best : NaN;
  }
  return out;
}
