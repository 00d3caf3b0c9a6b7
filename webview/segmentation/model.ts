/** Segmentation results, pure: label maps to overlay pixels, and the benchmark table's numbers. */
import type { BenchCell } from '../../src/shared/artifacts';
import { cellsAtBudget, differences, headlineBudget, summarise, type Difference } from '../../src/shared/benchStats';
import type { Rgba } from '../common/colors';

/** Class index per pixel from decoded RGBA (label PNGs are grey: the class is in every channel). */
export function labelsFromRgba(rgba: Uint8ClampedArray | Uint8Array): Uint8Array {
  const out = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = rgba[4 * i]!;
  return out;
}

/** RGBA pixels painting each class (background 0 stays transparent) in its colour. */
export function labelOverlay(labels: Uint8Array, palette: readonly Rgba[]): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(labels.length * 4);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (c === 0) continue;
    const [r, g, b] = palette[(c - 1) % palette.length]!;
    out.set([r, g, b, 255], 4 * i);
  }
  return out;
}

/** RGBA pixels of the class boundaries only (a pixel whose right or lower neighbour differs), in the class colour. */
export function labelOutline(
  labels: Uint8Array,
  size: number,
  palette: readonly Rgba[],
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(labels.length * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const c = labels[i]!;
      const right = x + 1 < size ? labels[i + 1]! : c;
      const down = y + 1 < size ? labels[i + size]! : c;
      const left = x > 0 ? labels[i - 1]! : c;
      const up = y > 0 ? labels[i - size]! : c;
      if (c === 0 || (c === right && c === down && c === left && c === up)) continue;
      const [r, g, b] = palette[(c - 1) % palette.length]!;
      out.set([r, g, b, 255], 4 * i);
    }
  }
  return out;
}

export interface BenchRow {
  dataset: string;
  method: string;
  seeds: number;
  mIoU: number;
  mIoUSpread: number;
  dice: number;
  normDel: number;
  /** Paired differences to `full` and to `random` on the same data set, as report.md has them (undefined when absent). */
  vsFull?: Difference;
  vsRandom?: Difference;
  perSeed: number[];
}

/**
 * One row per data set and method at the report's headline budget: mean and spread over seeds,
 * and the paired differences to full and random, all from the statistics report.md uses.
 */
export function benchRows(report: {
  settings?: { budgets?: readonly number[] };
  cells: readonly BenchCell[];
}): BenchRow[] {
  const cells = cellsAtBudget(report.cells, headlineBudget(report));
  const vsFull = differences(cells, 'full');
  const vsRandom = differences(cells, 'random');
  const rows = summarise(cells).map((g): BenchRow => {
    const mine = (d: Difference) => d.method === g.method && d.dataset === g.dataset;
    return {
      dataset: g.dataset,
      method: g.method,
      seeds: g.mIoU.n,
      mIoU: g.mIoU.mean,
      mIoUSpread: g.mIoU.sd,
      dice: g.dice.mean,
      normDel: g.normDel.mean,
      vsFull: vsFull.find(mine),
      vsRandom: vsRandom.find(mine),
      perSeed: g.seeds.map(
        (seed) => cells.find((c) => c.method === g.method && c.dataset === g.dataset && c.seed === seed)!.mIoU,
      ),
    };
  });
  return rows.sort((a, b) => a.dataset.localeCompare(b.dataset) || b.mIoU - a.mIoU);
}
