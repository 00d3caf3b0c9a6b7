/** Histogram arithmetic, pure: equal-width bins, counts of a subset on the same bins, top-N cut-off. */
import { finiteExtent } from './colors';

export interface Histogram {
  /** bins + 1 increasing edges; bin i holds edges[i] <= v < edges[i+1] (the last bin includes its top). */
  edges: number[];
  counts: number[];
}

export function binEdges(domain: readonly [number, number], bins: number): number[] {
  if (!(bins >= 1) || !Number.isInteger(bins))
    throw new Error(`histogram: bins must be a positive integer, got ${bins}`);
  let [lo, hi] = domain;
  if (!(hi > lo)) {
    // All values equal: one unit-wide range around them so the bar is visible.
    lo -= 0.5;
    hi += 0.5;
  }
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
}

export function binIndex(edges: readonly number[], value: number): number {
  const bins = edges.length - 1;
  const lo = edges[0]!;
  const hi = edges[bins]!;
  if (!Number.isFinite(value) || value < lo || value > hi) return -1;
  return Math.min(bins - 1, Math.floor(((value - lo) / (hi - lo)) * bins));
}

/**
 * Counts `values` (or only `values[indices]`) into `edges`, or into `bins` equal bins over the
 * finite range of all values. Non-finite values are not counted.
 */
export function computeHistogram(
  values: ArrayLike<number>,
  options: { bins?: number; edges?: number[]; indices?: ArrayLike<number> } = {},
): Histogram {
  const edges = options.edges ?? binEdges(finiteExtent(values), options.bins ?? 40);
  const counts = new Array<number>(edges.length - 1).fill(0);
  const add = (v: number): void => {
    const b = binIndex(edges, v);
    if (b >= 0) counts[b]!++;
  };
  if (options.indices) {
    for (let j = 0; j < options.indices.length; j++) add(values[options.indices[j]!]!);
  } else {
    for (let i = 0; i < values.length; i++) add(values[i]!);
  }
  return { edges, counts };
}

/**
 * The value at which the top `n` values start: the n-th largest finite value, so `v >= cutoff`
 * keeps the n hardest samples (more on ties). Undefined when n < 1 or there are no finite values.
 */
export function topNCutoff(values: ArrayLike<number>, n: number): number | undefined {
  const finite = Array.from(values).filter(Number.isFinite);
  if (n < 1 || finite.length === 0) return undefined;
  finite.sort((a, b) => b - a);
  return finite[Math.min(n, finite.length) - 1];
}
