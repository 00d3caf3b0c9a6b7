/**
 * Random masks as row indices. The visible patches of a batch are picked from its [batch ·
 * patches] rows by one gather, and the decoder's tokens are put back by another (`scatterTokens`
 * in tokenRows.ts): two cheap copies instead of one-hot matmuls, whose batched products and
 * transposed gradients never reach XNNPACK on wasm.
 */
import { deriveRandom, permutation } from './rng';

export interface MaskBatch {
  /** Visible patches per sample. */
  keep: number;
  /** [batch · keep]: entry b·keep + j is the patch index (within its sample) of sample b's j-th visible patch. */
  visible: Int32Array;
  /** [batch · keep]: the same patches as rows of the flat [batch · patches] layout (b·patches + visible). */
  visibleRows: Int32Array;
  /**
   * [batch · patches]: where each decoder token comes from among the batch·keep visible tokens
   * followed by the mask token: b·keep + j for sample b's j-th visible patch, batch·keep (the mask
   * token) for a masked patch.
   */
  tokenSource: Int32Array;
  /** [batch, patches] 1 where the patch is masked (to be reconstructed), 0 where visible. */
  masked: Float32Array;
}

export function visiblePatches(patches: number, maskRatio: number): number {
  return Math.max(1, Math.min(patches - 1, Math.round(patches * (1 - maskRatio))));
}

/**
 * One mask per sample. Sample b's mask depends only on (seed, ids[b]) so a sample is scored the
 * same whatever batch it falls in; visible patches stay in raster order.
 */
export function makeMasks(ids: readonly number[], patches: number, maskRatio: number, seed: number): MaskBatch {
  const batch = ids.length;
  const keep = visiblePatches(patches, maskRatio);
  const visible = new Int32Array(batch * keep);
  const visibleRows = new Int32Array(batch * keep);
  const tokenSource = new Int32Array(batch * patches).fill(batch * keep);
  const masked = new Float32Array(batch * patches).fill(1);
  for (let b = 0; b < batch; b++) {
    const chosen = permutation(patches, deriveRandom(seed, ids[b])).subarray(0, keep).sort();
    for (let j = 0; j < keep; j++) {
      const row = b * patches + chosen[j];
      visible[b * keep + j] = chosen[j];
      visibleRows[b * keep + j] = row;
      tokenSource[row] = b * keep + j;
      masked[row] = 0;
    }
  }
  return { keep, visible, visibleRows, tokenSource, masked };
}
