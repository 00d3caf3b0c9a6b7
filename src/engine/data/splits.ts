/**
 * Leak-free train / validation / test splits of labelled samples. Slices of one volume and frames
 * of one sequence are near-duplicates of their neighbours, so a sample's split is decided by its
 * acquisition (a volume, a numbered frame sequence, or a group the user names with a regex), never
 * sample by sample:
 * - with at least three acquisitions, whole acquisitions go to the splits (shuffled by seed, each
 *   to the split furthest below its share), so no acquisition is in two splits;
 * - with one or two, each acquisition is cut into three contiguous parts, one per split (which part
 *   is which is chosen by seed), and a guard band of `guardBand(n)` samples on each side of every
 *   cut is dropped, so no test sample has a neighbour in train. Equal thirds rather than the shares:
 *   a 15% block at one end of a volume would test one anatomical region only.
 */
import * as path from 'node:path';
import { SeededRandom } from './random';

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
/**
 * Changes with the splitting rules: a benchmark cell measured on other splits is not reused.
 * 3: every benchmark seed splits with its own seed (`cellSplitSeed`); 2 split once for all seeds.
 */
export const SPLIT_VERSION = 3;
/** Fewer acquisitions than this cannot fill three splits with whole acquisitions. */
export const MIN_ACQUISITIONS = 3;
/** Guard band as a share of the acquisition, on each side of a cut (see `guardBand`). */
export const GUARD_SHARE = 0.05;
export const MIN_GUARD = 2;

export interface SplitPlan {
  /** The seed that shuffled the acquisitions (or chose which third is which). */
  seed: number;
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
 * The split seed of a benchmark cell of seed `cellSeed`. Each seed tests other acquisitions, so the
 * spread over seeds covers which subjects were tested as well as the training's randomness (a
 * demo data set tests 1 or 2 subjects per split); seed 0 splits as `optidel finetune` does. Seeds
 * are spaced by a large prime rather than 1 so that the config seeds 0 and 1 share no split.
 */
export function cellSplitSeed(configSeed: number, cellSeed: number): number {
  return configSeed + SPLIT_SEED_STRIDE * cellSeed;
}
const SPLIT_SEED_STRIDE = 104_729;

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

export function assignSplits(
  items: ReadonlyArray<{ acquisition: string }>,
  fractions: [number, number, number],
  seed: number,
): SplitPlan {
  const groups = acquisitionRanges(items);
  if (groups.length >= MIN_ACQUISITIONS)
    return {
      seed,
      assignment: byAcquisition(items.length, groups, fractions, seed),
      strategy: 'acquisitions',
      acquisitions: groups.length,
      guardPerSide: 0,
    };
  const assignment = new Int8Array(items.length).fill(-1);
  // Only the splits that should get samples share an acquisition (fractions [1, 0, 0]: all train).
  const order = new SeededRandom(seed).shuffle([0, 1, 2].filter((s) => fractions[s] > 0));
  const parts = order.length;
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
  return { seed, assignment, strategy: 'thirds', acquisitions: groups.length, guardPerSide: guard };
}

/** Item indices of each acquisition, in item order (items of one acquisition keep their order). */
function acquisitionRanges(items: ReadonlyArray<{ acquisition: string }>): number[][] {
  const byKey = new Map<string, number[]>();
  items.forEach((item, i) => byKey.set(item.acquisition, [...(byKey.get(item.acquisition) ?? []), i]));
  return [...byKey.values()];
}

function byAcquisition(
  total: number,
  groups: number[][],
  fractions: [number, number, number],
  seed: number,
): Int8Array {
  const sum = fractions[0] + fractions[1] + fractions[2];
  const targets = fractions.map((f) => (f / sum) * total);
  const counts = [0, 0, 0];
  const assignment = new Int8Array(total);
  for (const members of new SeededRandom(seed).shuffle([...groups])) {
    // A split that should have samples but has none yet goes first; then the one furthest below its share.
    const starving = [0, 1, 2].find((s) => targets[s] > 0 && counts[s] === 0);
    let best = starving ?? 0;
    if (starving === undefined)
      for (let s = 1; s < 3; s++) if (targets[s] - counts[s] > targets[best] - counts[best]) best = s;
    for (const i of members) assignment[i] = best;
    counts[best] += members.length;
  }
  return assignment;
}
