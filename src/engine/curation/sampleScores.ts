/**
 * Per-sample curation scores from the pool's embeddings (docs/curation.md, "Per-sample scores"),
 * measured on the centred embeddings as the duplicate groups are (pooled MAE embeddings share a
 * large common component that leaves every raw cosine distance near 0, vectors.ts):
 *
 * - uniqueness: cosine distance to the nearest other sample, from the neighbour search `optidel
 *   similar` uses (annIndex.ts: exact on small pools, N²·D multiply-adds; an HNSW graph above).
 *   An isolated sample scores high, a duplicate 0. Timed by `npm run bench -- similarity`.
 * - representativeness: cosine similarity to the centroid of the sample's own k-means cluster
 *   (selection/kmeans.ts, the clusters prototypes and meddel use), not to the pool's one centroid:
 *   a pool of several modalities has no typical sample overall, but each cluster has.
 * - cluster: that k-means cluster.
 * - hardestPatch: the largest per-patch masked error, beside the per-sample mean (difficulty.f32).
 */
import type { NeighbourSearch } from './annIndex';
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
  /** Nearest neighbours over the centred embeddings (runIndex.ts); exact when not given. */
  neighbours?: NeighbourSearch;
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
  const index = options.neighbours ?? new CosineIndex(centred, dim);
  if (index.size !== n) throw new Error(`the neighbour index holds ${index.size} rows, the embeddings ${n}`);
  const uniqueness = new Float32Array(n);
  const block = 1024;
  for (let from = 0; from < n; from += block) {
    const to = Math.min(n, from + block);
    index.nearestOfRows(from, to, 1).forEach(([nearest], q) => {
      // A pool of one sample has no neighbour: it is as unique as a sample can be.
      uniqueness[from + q] = nearest ? Math.max(0, 1 - nearest.similarity) : 2;
    });
    options.onProgress?.(to, n);
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
