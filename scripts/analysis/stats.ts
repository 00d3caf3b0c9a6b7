/**
 * The statistics of the difficulty analysis (scripts/analysis/difficulty.ts): ranks with ties,
 * Spearman's correlation, median, pixel spread and the overlap of two top-N lists. Pure.
 */

/** Ranks 1..n, tied values sharing the mean of the ranks they span (the usual "fractional" ranks). */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]] = rank;
    i = j + 1;
  }
  return out;
}

/** Pearson's correlation; NaN when either side has no spread or there are fewer than 2 pairs. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`pearson: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Spearman's rank correlation: Pearson's on the fractional ranks, so ties are handled exactly. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(ranks(x), ranks(y));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Population standard deviation of some pixels: a patch's "pixel spread". */
export function pixelSpread(pixels: ArrayLike<number>): number {
  const n = pixels.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += pixels[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (pixels[i] - mean) ** 2;
  return Math.sqrt(sq / n);
}

/** The indices of the `n` largest values, largest first (ties by index, so the order is stable). */
export function topN(values: readonly number[], n: number): number[] {
  return values
    .map((_, i) => i)
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, n);
}

/** How many ids two lists share. */
export function overlap(a: readonly number[], b: readonly number[]): number {
  const set = new Set(a);
  return b.filter((id) => set.has(id)).length;
}
