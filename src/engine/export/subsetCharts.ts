/**
 * The geometry of the notebook fallbacks' two charts, shared by the HTML (subsetHtml.ts) and the
 * PNG (subsetRaster.ts): each a 320 x 200 panel, the embedding map's points and the difficulty
 * histogram's counts. python/optidel/subset.py lays them out the same way.
 */
import type { SubsetSample } from '../../shared/subsetPayload';

export const PANEL = { width: 320, height: 200, bins: 24 } as const;

/** Point centres in panel pixels, unselected samples first so the subset is drawn on top. */
export function scatterPoints(samples: readonly SubsetSample[]): Array<{ x: number; y: number; selected: boolean }> {
  const low = [0, 1].map((k) => least(samples.map((s) => s.embedding[k]!)));
  const span = [0, 1].map((k) => -least(samples.map((s) => -s.embedding[k]!)) - low[k]! || 1);
  const ordered = [...samples.filter((s) => !s.selected), ...samples.filter((s) => s.selected)];
  return ordered.map((s) => ({
    x: 8 + ((s.embedding[0] - low[0]!) / span[0]!) * (PANEL.width - 16),
    y: PANEL.height - 8 - ((s.embedding[1] - low[1]!) / span[1]!) * (PANEL.height - 16),
    selected: s.selected,
  }));
}

/** Counts per difficulty bin of the pool and of the subset over [low, high] (the last bin holds the maximum). */
export function histogram(samples: readonly SubsetSample[]): {
  low: number;
  high: number;
  every: number[];
  chosen: number[];
} {
  const low = least(samples.map((s) => s.difficulty));
  const max = -least(samples.map((s) => -s.difficulty));
  const high = max > low ? max : low + 1;
  const every = new Array<number>(PANEL.bins).fill(0);
  const chosen = new Array<number>(PANEL.bins).fill(0);
  for (const s of samples) {
    const bin = Math.min(PANEL.bins - 1, Math.floor(((s.difficulty - low) / (high - low)) * PANEL.bins));
    every[bin]!++;
    if (s.selected) chosen[bin]!++;
  }
  return { low, high, every, chosen };
}

/** The smallest value (Math.min(...values) overflows the stack for large pools). */
function least(values: readonly number[]): number {
  return values.reduce((a, b) => Math.min(a, b), Infinity);
}
