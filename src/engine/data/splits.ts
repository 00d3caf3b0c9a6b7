/**
 * Leak-free train / validation / test splits of labelled samples. Slices of one volume and frames
 * of one sequence are near-duplicates of their neighbours, so a sample's split is decided by its
 * acquisition (a volume, a numbered frame sequence, or a group the user names with a regex), never
 * sample by sample:
 * - with at least three acquisitions, the acquisitions are shuffled by seed and dealt into
 *   `foldCount` folds of about the test share each (each to the fold with the fewest samples);
 *   fold f is the test split and the others fill validation and train, so no acquisition is in two
 *   splits and folds 0 to k-1 test every acquisition exactly once (grouped k-fold cross-validation);
 * - with one or two, each acquisition is cut into three contiguous parts, one per split (which part
 *   is which is chosen by seed, and turns with the fold), and a guard band of `guardBand(n)` samples
 *   on each side of every cut is dropped, so no test sample has a neighbour in train. Equal thirds
 *   rather than the shares: a 15% block at one end of a volume would test one anatomical region only.
 * Fold numbers past the last fold start a new shuffle (repeated k-fold): fold f of k uses the
 * partition of seed + PARTITION_SEED_STRIDE * floor(f / k).
 */
import * as path from 'node:path';
import { SeededRandom } from './random';

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
/** Fewer acquisitions than this cannot fill three splits with whole acquisitions. */
export const MIN_ACQUISITIONS = 3;
/** Guard band as a share of the acquisition, on each side of a cut (see `guardBand`). */
export const GUARD_SHARE = 0.05;
export const MIN_GUARD = 2;

export interface SplitPlan {
  /** The seed of the partition: it shuffled the acquisitions (or chose which third is which). */
  seed: number;
  /** The tested fold of this partition, 0 to folds - 1. */
  fold: number;
  /** Folds of the partition: this many folds test every acquisition (or third) once. */
  folds: number;
  /** Split index per item: 0 train, 1 val, 2 test, -1 guard band (dropped). */
  assignment: Int8Array;
  strategy: 'acquisitions' | 'thirds';
  acquisitions: number;
  /** Samples dropped on each side of a cut (thirds only; 0 for acquisitions). */
  guardPerSide: number;
}

/**
 * Guard band on each side of a cut inside an acquisition of `n` samples: 5% of it, at least 2.
 * Anatomy changes slowly along a volume (5% of a 40 cm CT is 2 cm, past which organs visibly
 * change; neighbouring frames of a sequence differ by a breath), and at least 2 so that neither a
 * test sample's neighbour nor that neighbour's neighbour is in another split. Capped so every part
 * keeps a sample. The split report then measures whether it was enough (nearest-training similarity).
 */
export function guardBand(n: number): number {
  const wanted = Math.max(MIN_GUARD, Math.ceil(n * GUARD_SHARE));
  // Two cuts, each with a band on both sides, must leave at least one sample in each third.
  return Math.max(0, Math.min(wanted, Math.floor((Math.floor(n / 3) - 1) / 2)));
}

/**
 * Seeds of successive partitions are spaced by a large prime rather than 1, so that the partitions
 * of config seeds 0 and 1 do not coincide after a round of folds.
 */
const PARTITION_SEED_STRIDE = 104_729;

/**
 * Folds of a partition of `acquisitions` whole acquisitions: one per test share (0.15 of the whole
 * gives 7), at most one per acquisition, and at least one more than the other splits that want
 * samples, so that whatever fold is tested the others still fill train and validation. One fold
 * (all test) when only the test share is nonzero; none tested when it is zero.
 */
export function foldCount(acquisitions: number, fractions: readonly [number, number, number]): number {
  const [train, val, test] = fractions;
  if (test <= 0) return 1;
  const others = (train > 0 ? 1 : 0) + (val > 0 ? 1 : 0);
  if (others === 0) return 1;
  const perShare = Math.round((train + val + test) / test);
  return Math.min(acquisitions, Math.max(others + 1, perShare));
}

/**
 * Acquisition of a file, from its path relative to the images folder: the first capture group (or
 * the whole match) of the user's pattern; otherwise a volume is its own acquisition, and a 2D file
 * belongs to its frame sequence, the folder plus the name with its last number replaced
 * (`case-00-frame-003.png` and `case-00-frame-004.png` are one).
 */
export function acquisitionKey(relative: string, options: { pattern?: RegExp; volume: boolean }): string {
  const slashed = relative.split(path.sep).join('/');
  const match = options.pattern?.exec(slashed);
  if (match) return `group:${match[1] ?? match[0]}`;
  if (options.volume) return `volume:${slashed}`;
  const dir = path.posix.dirname(slashed);
  const name = path.posix.basename(slashed).replace(/\.[^.]+$/, '');
  return `sequence:${dir}/${name.replace(/\d+(?=\D*$)/, '#')}`;
}

/**
 * Splits `items` for test fold `fold` (0 is what `optidel finetune` uses; a benchmark's seed s
 * tests fold s), deterministic for `seed` and `fold`.
 */
export function assignSplits(
  items: ReadonlyArray<{ acquisition: string }>,
  fractions: [number, number, number],
  seed: number,
  fold = 0,
): SplitPlan {
  const groups = acquisitionRanges(items);
  if (groups.length >= MIN_ACQUISITIONS) {
    const folds = foldCount(groups.length, fractions);
    const partition = partitionOf(seed, fold, folds);
    return {
      ...partition,
      assignment: byAcquisition(items.length, groups, fractions, partition),
      strategy: 'acquisitions',
      acquisitions: groups.length,
      guardPerSide: 0,
    };
  }
  const assignment = new Int8Array(items.length).fill(-1);
  // Only the splits that should get samples share an acquisition (fractions [1, 0, 0]: all train).
  const wanted = [0, 1, 2].filter((s) => fractions[s] > 0);
  const parts = wanted.length;
  const partition = partitionOf(seed, fold, Math.max(1, parts));
  // The fold turns the seed's arrangement, so folds 0 to parts - 1 test each part once.
  const arranged = new SeededRandom(partition.seed).shuffle(wanted);
  const order = arranged.map((_, part) => arranged[(part + partition.fold) % parts]);
  let guard = 0;
  for (const members of groups) {
    const n = members.length;
    const band = parts > 1 ? guardBand(n) : 0;
    guard = Math.max(guard, band);
    const cuts = Array.from({ length: parts + 1 }, (_, k) => Math.round((k * n) / parts));
    for (let part = 0; part < parts; part++) {
      const from = cuts[part] + (part > 0 ? band : 0);
      const to = cuts[part + 1] - (part < parts - 1 ? band : 0);
      for (let k = from; k < to; k++) assignment[members[k]] = order[part];
    }
  }
  return { ...partition, assignment, strategy: 'thirds', acquisitions: groups.length, guardPerSide: guard };
}

/** The partition that fold number `fold` falls in, and its fold within it. */
function partitionOf(seed: number, fold: number, folds: number): Pick<SplitPlan, 'seed' | 'fold' | 'folds'> {
  if (!Number.isInteger(fold) || fold < 0) throw new RangeError(`fold must be a whole number >= 0, got ${fold}`);
  return { seed: seed + PARTITION_SEED_STRIDE * Math.floor(fold / folds), fold: fold % folds, folds };
}

/** Item indices of each acquisition, in item order (items of one acquisition keep their order). */
function acquisitionRanges(items: ReadonlyArray<{ acquisition: string }>): number[][] {
  const byKey = new Map<string, number[]>();
  items.forEach((item, i) => {
    const members = byKey.get(item.acquisition);
    if (members) members.push(i);
    else byKey.set(item.acquisition, [i]);
  });
  return [...byKey.values()];
}

/**
 * Whole acquisitions to the splits: shuffled by the partition's seed and dealt into its folds, each
 * to the fold with the fewest samples so far (so folds are as equal in samples as whole acquisitions
 * allow, the first `folds` acquisitions open one fold each, and a tie goes to the lower fold: with
 * equal acquisitions, fold 0 is among the largest); the tested fold's go to test, and the others, in
 * shuffled order, to validation and train (`toTrainAndValidation`).
 */
function byAcquisition(
  total: number,
  groups: number[][],
  fractions: [number, number, number],
  partition: Pick<SplitPlan, 'seed' | 'fold' | 'folds'>,
): Int8Array {
  const shuffled = new SeededRandom(partition.seed).shuffle([...groups]);
  const foldSamples = new Array<number>(partition.folds).fill(0);
  const tested = fractions[2] > 0;
  const rest: number[][] = [];
  const assignment = new Int8Array(total);
  for (const members of shuffled) {
    const fold = foldSamples.indexOf(Math.min(...foldSamples));
    foldSamples[fold] += members.length;
    if (tested && fold === partition.fold) for (const i of members) assignment[i] = 2;
    else rest.push(members);
  }
  const sum = fractions[0] + fractions[1] + fractions[2];
  const targets = [fractions[0], fractions[1]].map((f) => (f / sum) * total);
  toTrainAndValidation(rest, targets).forEach((split, k) => {
    for (const i of rest[k]) assignment[i] = split;
  });
  return assignment;
}

/**
 * Train (0) or validation (1) for each of `acquisitions`, in their order, near the sample counts
 * `targets`. Each goes to the split that needs it most (`neediest`), except that a split with
 * nothing yet takes the first acquisition that fits in its target, or the smallest there is when
 * none fits; and if that acquisition is the last that fits a split still empty (typically a small
 * validation share), that split takes it, never train. When only as many acquisitions are left as
 * splits still empty, they are shared one each, the largest to the split furthest below its
 * target: with sizes [100, 5] left the 100 goes to train.
 */
function toTrainAndValidation(acquisitions: readonly number[][], targets: readonly number[]): number[] {
  const wanted = [0, 1].filter((s) => targets[s] > 0);
  // With no train or validation share at all (only possible without a test share too), all is train.
  const open = wanted.length > 0 ? wanted : [0];
  const counts = [0, 0];
  const deficit = (s: number) => targets[s] - counts[s];
  // smallestFrom[k]: the size of the smallest of acquisitions k onwards.
  const smallestFrom = new Array<number>(acquisitions.length + 1).fill(Infinity);
  for (let k = acquisitions.length - 1; k >= 0; k--) {
    smallestFrom[k] = Math.min(acquisitions[k].length, smallestFrom[k + 1]);
  }
  const splits: number[] = [];
  for (let k = 0; k < acquisitions.length; k++) {
    const empty = open.filter((s) => counts[s] === 0);
    const left = acquisitions.length - k;
    if (empty.length > 0 && left <= empty.length) {
      const largestFirst = acquisitions.slice(k).map((members, j) => ({ size: members.length, at: k + j }));
      largestFirst.sort((a, b) => b.size - a.size);
      const neediestFirst = [...empty].sort((a, b) => deficit(b) - deficit(a));
      largestFirst.forEach(({ at }, j) => (splits[at] = neediestFirst[j]));
      break;
    }
    const size = acquisitions[k].length;
    const laterFits = (s: number) => smallestFrom[k + 1] <= targets[s];
    const suits = (s: number) => size <= targets[s] || size <= smallestFrom[k + 1];
    const best =
      empty.find((s) => suits(s) && !laterFits(s)) ?? empty.find(suits) ?? neediest(open, size, counts, targets);
    splits[k] = best;
    counts[best] += size;
  }
  return splits;
}

/**
 * The split of `open` to give an acquisition of `size`: the one furthest below its target, unless
 * that overshoots it, when it is the one that leaves the splits nearest their targets relative to
 * each (the sum of |count - target| / target smallest). Absolute deficits alone would give a
 * validation share that has half its samples a subject twice its size when train's deficit is a
 * little smaller.
 */
function neediest(
  open: readonly number[],
  size: number,
  counts: readonly number[],
  targets: readonly number[],
): number {
  const furthest = open.reduce((a, b) => (targets[b] - counts[b] > targets[a] - counts[a] ? b : a));
  if (counts[furthest] + size <= targets[furthest]) return furthest;
  const relativeMiss = (to: number) =>
    open.reduce((sum, s) => sum + Math.abs(counts[s] + (s === to ? size : 0) - targets[s]) / targets[s], 0);
  return open.reduce((a, b) => (relativeMiss(b) < relativeMiss(a) ? b : a), furthest);
}
