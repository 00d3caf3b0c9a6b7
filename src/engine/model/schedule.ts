/** Learning-rate schedule and step counts for pre-training. */

/** Linear warm-up to `peak` over `warmupSteps`, then cosine decay to `minLr` at `totalSteps` (the MAE recipe). */
export function cosineWithWarmup(
  step: number,
  options: { peak: number; warmupSteps: number; totalSteps: number; minLr?: number },
): number {
  const { peak, warmupSteps, totalSteps } = options;
  const minLr = options.minLr ?? 0;
  if (warmupSteps > 0 && step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return minLr + (peak - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** Steps that make `epochs` passes over `poolSize` samples at `batchSize` (at least one). */
export function stepsForEpochs(poolSize: number, epochs: number, batchSize: number): number {
  return Math.max(1, Math.round((poolSize * epochs) / batchSize));
}
