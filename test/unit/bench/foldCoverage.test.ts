// The report's sentence on how much of each data set's cross-validation the seeds cover, on
// hand-made split reports: none of a round, a full round and part of the next, thirds, no test split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldCoverage } from '../../../src/engine/bench/splitReports';
import type { SplitReport } from '../../../src/engine/data/splitReport';

/** The split report of one seed: partition `seed`, test fold `fold` of `folds`, `tested` acquisitions in test. */
function report(
  seed: number,
  fold: number,
  folds: number,
  tested: number,
  strategy: SplitReport['strategy'] = 'acquisitions',
  acquisitions = 12,
): SplitReport {
  return {
    dataset: 'ct',
    seed,
    fold,
    folds,
    strategy,
    acquisitions,
    guardPerSide: 0,
    counts: { train: 10, val: 2, test: tested * 5, guard: 0 },
    acquisitionsPerSplit: { train: 8, val: 2, test: tested },
    nearDuplicateSimilarity: 0.999,
    nearest: [],
    median: NaN,
    max: NaN,
  };
}

const bySeed = (reports: SplitReport[]) => new Map(reports.map((split, seed) => [seed, [{ name: 'ct', split }]]));

test('fewer seeds than folds: how many folds and acquisitions were tested, and how many seeds test all', () => {
  assert.deepEqual(foldCoverage(bySeed([report(0, 0, 7, 2), report(0, 1, 7, 2), report(0, 2, 7, 1)])), [
    'ct: 3 of its 7 folds tested (5 of its 12 acquisitions); `--seeds 7` tests every one of its 12 acquisitions once',
  ]);
});

test('a full round and part of the next', () => {
  const rounds = [0, 1, 2, 3, 4].map((s) => report(s < 3 ? 0 : 104_729, s % 3, 3, 1, 'acquisitions', 3));
  assert.deepEqual(foldCoverage(bySeed(rounds)), [
    'ct: 1 full round of its 3 folds (each tests every one of its 3 acquisitions once), and 2 fold(s) of the next round',
  ]);
  assert.deepEqual(foldCoverage(bySeed(rounds.slice(0, 3))), [
    'ct: 1 full round of its 3 folds (each tests every one of its 3 acquisitions once)',
  ]);
  const two = [0, 1, 2, 3, 4, 5].map((s) => report(s < 3 ? 0 : 104_729, s % 3, 3, 1, 'acquisitions', 3));
  assert.match(foldCoverage(bySeed(two))[0], /^ct: 2 full rounds of its 3 folds/);
});

test('thirds of one volume count thirds, not acquisitions; no test split says so', () => {
  assert.deepEqual(foldCoverage(bySeed([report(0, 0, 3, 1, 'thirds', 1)])), [
    'ct: 1 of its 3 folds tested; `--seeds 3` tests every one of its thirds (of 1 acquisition(s)) once',
  ]);
  assert.deepEqual(foldCoverage(bySeed([report(0, 0, 1, 0), report(104_729, 0, 1, 0)])), ['ct: no test split']);
});
