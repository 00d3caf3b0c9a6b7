/**
 * Budgets: every selection command takes a fraction of the pool (0 < b <= 1) or a count of images
 * (b > 1), as optidel.json's `budget` does. This turns either into the count of images to keep.
 */
export function resolveBudget(budget: number, poolSize: number): number {
  if (!Number.isFinite(budget) || budget <= 0) {
    throw new Error(`budget must be a fraction of the pool (0 < b <= 1) or a count of images (> 1), got ${budget}`);
  }
  if (budget <= 1) return Math.min(poolSize, Math.max(1, Math.round(budget * poolSize)));
  if (!Number.isInteger(budget)) throw new Error(`budget ${budget} is above 1, so it must be a whole count of images`);
  return Math.min(poolSize, budget);
}
