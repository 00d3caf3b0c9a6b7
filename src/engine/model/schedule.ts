/** Learning-rate schedule and compute accounting for pre-training. */

/** Linear warm-up to `peak` over `warmupSteps`, then cosine decay to `minLr` at `totalSteps` (the MAE recipe). */
export function cosineWithWarmup(step: number, options: { peak: number; warmupSteps: number; totalSteps: number; minLr?: number }): number {
  const { peak, warmupSteps, totalSteps } = options;
  const minLr = options.minLr ?? 0;
  if (warmupSteps > 0 && step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return minLr + (peak - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/**
 * Equal-compute accounting: a run on a fraction of the pool gets the optimiser steps of the
 * full-data run, so it sees its samples proportionally more often (the predecessor paper: 100% of
 * data for 200 epochs against 5% for 4,000). Comparisons between subsets are then about which
 * data, never about how much training.
 */
export function equalCompute(options: { fullPoolSize: number; fullSteps: number; subsetSize: number; batchSize: number }): { steps: number; epochs: number; fullEpochs: number } {
  const { fullPoolSize, fullSteps, subsetSize, batchSize } = options;
  if (!(subsetSize > 0) || !(fullPoolSize > 0)) throw new Error(`equal-compute accounting needs non-empty pools (full ${fullPoolSize}, subset ${subsetSize})`);
  const imagesSeen = fullSteps * batchSize;
  return { steps: fullSteps, epochs: imagesSeen / subsetSize, fullEpochs: imagesSeen / fullPoolSize };
}

/** Steps that make `epochs` passes over `poolSize` samples at `batchSize` (at least one). */
export function stepsForEpochs(poolSize: number, epochs: number, batchSize: number): number {
  return Math.max(1, Math.round((poolSize * epochs) / batchSize));
}
