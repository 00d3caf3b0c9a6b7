/**
 * UMAP of the pool's embeddings (umap-js, McInnes et al. 2018), seeded so a run reproduces its map:
 * a layout that keeps neighbourhoods apart where PCA's two directions of largest variance overlap
 * them. Optimised epoch by epoch so progress and cancel reach it.
 */
import { UMAP } from 'umap-js';
import { letCancelIn } from '../command';
import { SeededRandom } from '../model/rng';

export interface UmapOptions {
  seed: number;
  /** Neighbours per point of the fuzzy graph (default 15, umap-learn's). */
  neighbors?: number;
  /** How tightly points may pack in the layout (default 0.1, umap-learn's). */
  minDist?: number;
  signal?: AbortSignal;
  onProgress?: (epoch: number, epochs: number) => void;
}

/** N x 2 layout, interleaved (x0, y0, x1, y1, ...), as scores/projection.f32 is. */
export async function umapLayout(embeddings: Float32Array, dim: number, options: UmapOptions): Promise<Float32Array> {
  const n = embeddings.length / dim;
  if (n < 3) throw new Error(`UMAP needs at least 3 samples, the pool has ${n}`);
  const random = new SeededRandom(options.seed);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.neighbors ?? 15, n - 1),
    minDist: options.minDist ?? 0.1,
    random: () => random.next(),
  });
  const rows = Array.from({ length: n }, (_, i) => Array.from(embeddings.subarray(i * dim, (i + 1) * dim)));
  const epochs = umap.initializeFit(rows);
  for (let epoch = 0; epoch < epochs; epoch++) {
    umap.step();
    if (epoch % 10 === 0) {
      options.onProgress?.(epoch, epochs);
      await letCancelIn(options.signal);
    }
  }
  options.onProgress?.(epochs, epochs);
  return Float32Array.from(umap.getEmbedding().flat());
}
