/**
 * The model's own arithmetic: matmul FLOPs of one MAE training step, counted the way FLOP
 * utilisation is usually reported (2·m·n·k per matrix product, the backward pass twice the
 * forward). Masking tricks an implementation uses (row gathers) are not counted: they are
 * overhead, not model work, so they lower the utilisation as they should.
 */
import type { MaeConfig } from './mae';

/** Matmul FLOPs of one pre-norm transformer block over `tokens` tokens of width `dim`. */
function blockFlops(tokens: number, dim: number, mlpRatio: number): number {
  const projections = 2 * tokens * dim * (3 * dim) + 2 * tokens * dim * dim; // qkv and output
  const attention = 2 * 2 * tokens * tokens * dim; // scores and weighted values
  const mlp = 2 * 2 * tokens * dim * (mlpRatio * dim);
  return projections + attention + mlp;
}

/** Forward matmul FLOPs for one image. */
export function maeForwardFlops(c: MaeConfig): number {
  const patches = (c.imageSize / c.patchSize) ** 2;
  const patchPixels = c.patchSize * c.patchSize;
  const visible = Math.round(patches * (1 - c.maskRatio));
  const embed = 2 * patches * patchPixels * c.dim;
  const encoder = c.depth * blockFlops(visible, c.dim, c.mlpRatio);
  const decoderEmbed = 2 * visible * c.dim * c.decoderDim;
  const decoder = c.decoderDepth * blockFlops(patches, c.decoderDim, c.mlpRatio);
  const prediction = 2 * patches * c.decoderDim * patchPixels;
  return embed + encoder + decoderEmbed + decoder + prediction;
}

/** Forward plus backward matmul FLOPs of a training step on `batch` images. */
export function maeTrainingFlops(c: MaeConfig, batch: number): number {
  return 3 * maeForwardFlops(c) * batch;
}
