/**
 * The benchmark's downstream data sets, split once per seed: seed s tests fold s of the data set's
 * grouped k-fold (`assignSplits`), so seeds 0 to k-1 test every subject once, and later seeds
 * start a new shuffle. A demo data set tests one or two subjects per split, so a benchmark that
 * tested the same ones at every seed would give intervals that say nothing about other subjects.
 * Cells of one seed share its split, so differences paired by seed stay paired.
 */
import type { CommandContext } from '../command';
import type { LoadedConfig } from '../config/loadConfig';
import { loadSegmentationDataset, type SegmentationDataset } from '../data/segmentation';

/** Every data set in `names` (in that order) as split for each of `seeds`. */
export async function loadSplitsPerSeed(
  loaded: LoadedConfig,
  names: readonly string[],
  seeds: readonly number[],
  maxTrain: number | undefined,
  ctx: CommandContext,
): Promise<Map<number, SegmentationDataset[]>> {
  const splits = new Map<number, SegmentationDataset[]>(seeds.map((seed) => [seed, []]));
  let done = 0;
  // Data sets outer: a data set is decoded once for all its seeds (the decoded cache holds only a few).
  for (const name of names) {
    for (const seed of seeds) {
      ctx.progress('load data sets', done++, names.length * seeds.length, `${name}, seed ${seed}`);
      const split = { seed: loaded.config.seed, fold: seed, maxTrain };
      splits.get(seed)!.push(await loadSegmentationDataset(loaded, name, split));
    }
  }
  return splits;
}

/**
 * Every image of each data set in `names`, whatever its split: each is a test image at some seed,
 * so the benchmark keeps them all out of pre-training (and the set does not change with `--seeds`).
 */
export async function allImagesOf(loaded: LoadedConfig, names: readonly string[]): Promise<SegmentationDataset[]> {
  return Promise.all(names.map((name) => loadSegmentationDataset(loaded, name, { fractions: [0, 0, 1] })));
}
