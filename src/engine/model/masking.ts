/**
 * Random masks as one-hot selection matrices. Selecting the visible patches with a batched matmul
 * (instead of tf.gather) keeps the whole forward pass differentiable on the wasm backend, whose
 * missing UnsortedSegmentSum kernel breaks the gradient of gather.
 */
import { deriveRandom, permutation } from './rng';

export interface MaskBatch {
  /** Visible patches per sample. */
  keep: number;
  /** [batch, keep, patches] one-hot rows: row j of sample b picks its j-th visible patch. */
  select: Float32Array;
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
  const select = new Float32Array(batch * keep * patches);
  const masked = new Float32Array(batch * patches).fill(1);
  for (let b = 0; b < batch; b++) {
    const visible = permutation(patches, deriveRandom(seed, ids[b])).subarray(0, keep).sort();
    for (let j = 0; j < keep; j++) {
      select[(b * keep + j) * patches + visible[j]] = 1;
      masked[b * patches + visible[j]] = 0;
    }
  }
  return { keep, select, masked };
}
