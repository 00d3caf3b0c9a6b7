/**
 * The benchmark's downstream data sets, split once per seed (`cellSplitSeed`): a demo data set
 * tests one or two subjects per split, so a benchmark that tested the same ones at every seed
 * would give intervals that say nothing about other subjects. Cells of one seed share its split,
 * so differences paired by seed stay paired.
 */
import type { CommandContext } from '../command';
import type { LoadedConfig } from '../config/loadConfig';
import { loadSegmentationDataset, type SegmentationDataset } from '../data/segmentation';
import { cellSplitSeed } from '../data/splits';

/** Every data set in `names` (in that order) as split for each of `seeds`. */
export async function loadSplitsPerSeed(
  loaded: LoadedConfig,
  names: readonly string[],
  seeds: readonly number[],
  maxTrain: number | undefined,
  ctx: CommandContext,
): Promise<Map<number, SegmentationDataset[]>> {
  const splits = new Map<number, SegmentationDataset[]>();
  let done = 0;
  for (const seed of seeds) {
    const datasets: SegmentationDataset[] = [];
    for (const name of names) {
      ctx.progress('load data sets', done++, names.length * seeds.length, `${name}, seed ${seed}`);
      datasets.push(
        await loadSegmentationDataset(loaded, name, { seed: cellSplitSeed(loaded.config.seed, seed), maxTrain }),
      );
    }
    splits.set(seed, datasets);
  }
  return splits;
}
