/**
 * From measured cells to the numbers a report shows: mean and spread over seeds per method,
 * budget and data set, and the difference of each method to `full` and to `random`.
 *
 * Differences are paired by seed (method seed s minus reference seed s, same data set): seeds fix
 * the fine-tuning batches and head initialisation, so pairing removes part of the noise that two
 * independent means would carry. Their spread is reported beside them, so a reader can see
 * whether a difference is larger than the seed noise.
 */
import type { BenchCell } from '../../shared/artifacts';

export interface Spread {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  sd: number;
  min: number;
  max: number;
}

export interface GroupSummary {
  method: string;
  budget: number;
  dataset: string;
  mIoU: Spread;
  mIoUWithBackground: Spread;
  dice: Spread;
  normDel: Spread;
  seeds: number[];
}

export interface Difference {
  method: string;
  budget: number;
  dataset: string;
  reference: string;
  /** Mean over the seeds both have of (method - reference) mIoU. */
  mean: number;
  sd: number;
  pairs: number;
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return { n: 0, mean: NaN, sd: NaN, min: NaN, max: NaN };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd, min: Math.min(...finite), max: Math.max(...finite) };
}

/** Methods that do not depend on the budget: their cells stand for every budget. */
export const BUDGET_FREE_METHODS = new Set(['full', 'scratch']);

export function groupKey(method: string, budget: number, dataset: string): string {
  return `${method}|${budget}|${dataset}`;
}

export function summarise(cells: readonly BenchCell[]): GroupSummary[] {
  const groups = new Map<string, BenchCell[]>();
  for (const cell of cells) {
    const key = groupKey(cell.method, cell.budget, cell.dataset);
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  return [...groups.values()].map((group) => ({
    method: group[0].method,
    budget: group[0].budget,
    dataset: group[0].dataset,
    mIoU: spread(group.map((c) => c.mIoU)),
    mIoUWithBackground: spread(group.map((c) => c.mIoUWithBackground ?? NaN)),
    dice: spread(group.map((c) => c.dice)),
    normDel: spread(group.map((c) => c.normDel)),
    seeds: group.map((c) => c.seed).sort((a, b) => a - b),
  }));
}

/** Paired (by seed) mIoU differences of every method to `reference` on the same data set (and budget, unless the reference is budget-free). */
export function differences(cells: readonly BenchCell[], reference: string): Difference[] {
  const refCells = cells.filter((c) => c.method === reference);
  const out: Difference[] = [];
  for (const group of summarise(cells.filter((c) => c.method !== reference))) {
    const deltas: number[] = [];
    for (const seed of group.seeds) {
      const mine = cells.find((c) => c.method === group.method && c.budget === group.budget && c.dataset === group.dataset && c.seed === seed);
      const theirs = refCells.find((c) => c.dataset === group.dataset && c.seed === seed && (BUDGET_FREE_METHODS.has(reference) || c.budget === group.budget));
      if (mine && theirs && Number.isFinite(mine.mIoU) && Number.isFinite(theirs.mIoU)) deltas.push(mine.mIoU - theirs.mIoU);
    }
    if (deltas.length === 0) continue;
    const s = spread(deltas);
    out.push({ method: group.method, budget: group.budget, dataset: group.dataset, reference, mean: s.mean, sd: s.sd, pairs: s.n });
  }
  return out;
}

/** Mean over data sets of each seed's mIoU, then mean and spread over seeds: one number per method and budget. */
export function overall(cells: readonly BenchCell[], method: string, budget: number): Spread {
  const bySeed = new Map<number, number[]>();
  for (const c of cells) {
    if (c.method !== method || c.budget !== budget || !Number.isFinite(c.mIoU)) continue;
    bySeed.set(c.seed, [...(bySeed.get(c.seed) ?? []), c.mIoU]);
  }
  return spread([...bySeed.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length));
}

/** Mean test IoU of every class over the seeds of one method and data set (NaN where no seed has a value). */
export function perClassMeans(cells: readonly BenchCell[], method: string, dataset: string, classCount: number): number[] {
  const mine = cells.filter((c) => c.method === method && c.dataset === dataset);
  return Array.from({ length: classCount }, (_, k) => spread(mine.map((c) => c.perClassIoU?.[k] ?? NaN)).mean);
}

/**
 * Foreground classes of a data set that no cell found (IoU 0 or absent everywhere): they add the
 * same 0 to every method's mIoU, so the differences between methods come from the other classes.
 */
export function classesNeverFound(cells: readonly BenchCell[], dataset: string, classCount: number): number[] {
  const mine = cells.filter((c) => c.dataset === dataset && c.perClassIoU);
  if (mine.length === 0) return [];
  return Array.from({ length: classCount }, (_, k) => k).filter((k) => k > 0 && mine.every((c) => !(c.perClassIoU![k]! > 0)));
}
