/**
 * The benchmark's statistics, one copy for report.md (engine) and the segmentation view (browser):
 * mean and spread over seeds per method, budget and data set, and the difference of each method to
 * `full` and to `random`. Pure and browser-safe.
 *
 * Differences are paired by seed (method seed s minus reference seed s, same data set): seeds fix
 * the split, the fine-tuning batches and head initialisation, so pairing removes part of the noise that two
 * independent means would carry. Each comes with a 95% confidence interval from Student's t over
 * the n pairs (mean ± t(0.975, n − 1) · sd / √n), and counts as shown only when that interval
 * excludes 0.
 */
import type { BenchCell } from './artifacts';

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
  /** 95% confidence interval of the mean difference (NaN for a single pair). */
  low: number;
  high: number;
  /** The interval excludes 0: the difference is shown at this many seeds. */
  shown: boolean;
}

/** t(0.975, df) for df 1..30 (two-sided 95%), from the standard tables to 3 decimals. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z_975 = 1.959964;

/**
 * Quantile 0.975 of Student's t with `df` degrees of freedom: the table for df 1..30; beyond it the
 * Cornish-Fisher expansion around the normal quantile z, z + (z³ + z) / 4df + (5z⁵ + 16z³ + 3z) / 96df²,
 * which is within 0.001 of the exact value from df 30 on (2.042 at 30, 2.021 at 40, 1.984 at 100).
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  if (df <= 30) return T_975[Math.floor(df) - 1];
  const z = Z_975;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/** Mean, spread and 95% t-interval of paired differences. */
export function pairedInterval(
  deltas: readonly number[],
): Pick<Difference, 'mean' | 'sd' | 'pairs' | 'low' | 'high' | 'shown'> {
  const s = spread(deltas);
  const half = s.n > 1 ? tQuantile975(s.n - 1) * (s.sd / Math.sqrt(s.n)) : NaN;
  const low = s.mean - half;
  const high = s.mean + half;
  return { mean: s.mean, sd: s.sd, pairs: s.n, low, high, shown: s.n > 1 && (low > 0 || high < 0) };
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

/** The reference's cell paired with `cell`: same data set and seed, and same budget unless the reference is budget-free. */
function pairedReference(
  cells: readonly BenchCell[],
  reference: string,
  cell: Pick<BenchCell, 'dataset' | 'seed' | 'budget'>,
): BenchCell | undefined {
  return cells.find(
    (r) =>
      r.method === reference &&
      r.dataset === cell.dataset &&
      r.seed === cell.seed &&
      (BUDGET_FREE_METHODS.has(reference) || r.budget === cell.budget),
  );
}

/** Paired (by seed) mIoU differences of every method to `reference` on the same data set (and budget, unless the reference is budget-free). */
export function differences(cells: readonly BenchCell[], reference: string): Difference[] {
  const refCells = cells.filter((c) => c.method === reference);
  const out: Difference[] = [];
  for (const group of summarise(cells.filter((c) => c.method !== reference))) {
    const deltas: number[] = [];
    for (const seed of group.seeds) {
      const mine = cells.find(
        (c) => c.method === group.method && c.budget === group.budget && c.dataset === group.dataset && c.seed === seed,
      );
      const theirs = pairedReference(refCells, reference, { ...group, seed });
      if (mine && theirs && Number.isFinite(mine.mIoU) && Number.isFinite(theirs.mIoU))
        deltas.push(mine.mIoU - theirs.mIoU);
    }
    if (deltas.length === 0) continue;
    out.push({
      method: group.method,
      budget: group.budget,
      dataset: group.dataset,
      reference,
      ...pairedInterval(deltas),
    });
  }
  return out;
}

/** The data-set label of a difference over the mean of the data sets (`overallDifference`). */
export const MEAN_OVER_DATASETS = 'mean over data sets';

/**
 * The paired difference of the mean over data sets: per seed, the mean over the data sets both
 * methods have of (method - reference) mIoU, then its interval over the seeds; the benchmark's
 * target ("mean over data sets") is stated on this number.
 */
export function overallDifference(
  cells: readonly BenchCell[],
  method: string,
  reference: string,
  budget: number,
): Difference | undefined {
  const bySeed = new Map<number, number[]>();
  for (const c of cells) {
    if (c.method !== method || c.budget !== budget || !Number.isFinite(c.mIoU)) continue;
    const theirs = pairedReference(cells, reference, c);
    if (theirs && Number.isFinite(theirs.mIoU))
      bySeed.set(c.seed, [...(bySeed.get(c.seed) ?? []), c.mIoU - theirs.mIoU]);
  }
  if (bySeed.size === 0) return undefined;
  const deltas = [...bySeed.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
  return { method, budget, dataset: MEAN_OVER_DATASETS, reference, ...pairedInterval(deltas) };
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
export function perClassMeans(
  cells: readonly BenchCell[],
  method: string,
  dataset: string,
  classCount: number,
): number[] {
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
  return Array.from({ length: classCount }, (_, k) => k).filter(
    (k) => k > 0 && mine.every((c) => !(c.perClassIoU![k]! > 0)),
  );
}

/** The budget the headline uses: the first one asked (else the smallest a selector was run at). */
export function headlineBudget(report: {
  settings?: { budgets?: readonly number[] };
  cells: readonly BenchCell[];
}): number {
  const asked = report.settings?.budgets?.[0];
  if (asked !== undefined) return asked;
  const budgets = report.cells.filter((c) => !BUDGET_FREE_METHODS.has(c.method)).map((c) => c.budget);
  return budgets.length ? Math.min(...budgets) : 1;
}

/** The cells that stand for `budget`, filed under it (budget-free methods stand for every budget). */
export function cellsAtBudget<T extends BenchCell>(cells: readonly T[], budget: number): T[] {
  return cells.filter((c) => BUDGET_FREE_METHODS.has(c.method) || c.budget === budget).map((c) => ({ ...c, budget }));
}

const points = (v: number) => (Number.isFinite(v) ? v * 100 : NaN);
const signedPoints = (v: number) => {
  const rounded = Number(points(v).toFixed(1)) || 0; // also turns -0.0 into 0.0
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : ''}${Math.abs(rounded).toFixed(1)}`;
};

/** "+2.1 [−0.4, +4.6]" in mIoU points (the interval only with two pairs or more). */
export function formatDifference(d: Difference | undefined): string {
  if (!d) return '–';
  return d.pairs > 1
    ? `${signedPoints(d.mean)} [${signedPoints(d.low)}, ${signedPoints(d.high)}]`
    : signedPoints(d.mean);
}

/** The difference in words: "optidel − full: +2.1 [−0.4, +4.6], not shown at 3 seeds". */
export function describeDifference(d: Difference): string {
  const verdict = d.pairs < 2 ? 'one seed: no interval' : `${d.shown ? 'shown' : 'not shown'} at ${d.pairs} seeds`;
  return `${d.method} − ${d.reference}: ${formatDifference(d)}, ${verdict}`;
}
