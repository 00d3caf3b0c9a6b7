/** Segmentation results, pure: label maps to overlay pixels, and the benchmark table's numbers. */
import type { BenchCell } from '../../src/shared/artifacts';
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
export function labelOutline(labels: Uint8Array, size: number, palette: readonly Rgba[]): Uint8ClampedArray<ArrayBuffer> {
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
  /** Difference of mean mIoU to `full` and to `random` on the same data set (undefined when absent). */
  vsFull?: number;
  vsRandom?: number;
  perSeed: number[];
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
/** Sample standard deviation (0 for one seed). */
const spread = (v: number[]): number => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));

/** One row per data set and method: mean and spread over seeds, and differences to full and random. */
export function benchRows(cells: readonly BenchCell[]): BenchRow[] {
  const groups = new Map<string, BenchCell[]>();
  for (const cell of cells) {
    const key = `${cell.dataset}\u0000${cell.method}`;
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const rows: BenchRow[] = [...groups.values()].map((group) => {
    const m = group.map((c) => c.mIoU);
    return {
      dataset: group[0]!.dataset, method: group[0]!.method, seeds: group.length,
      mIoU: mean(m), mIoUSpread: spread(m), dice: mean(group.map((c) => c.dice)), normDel: mean(group.map((c) => c.normDel)), perSeed: m,
    };
  });
  for (const row of rows) {
    const reference = (method: string): number | undefined => rows.find((r) => r.dataset === row.dataset && r.method === method)?.mIoU;
    const full = reference('full');
    const random = reference('random');
    if (full !== undefined && row.method !== 'full') row.vsFull = row.mIoU - full;
    if (random !== undefined && row.method !== 'random') row.vsRandom = row.mIoU - random;
  }
  return rows.sort((a, b) => a.dataset.localeCompare(b.dataset) || b.mIoU - a.mIoU);
}

export function formatDelta(v: number | undefined): string {
  if (v === undefined) return '—';
  return `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;
}
