/**
 * bench/splits/<dataset>.json: the split report of every downstream data set for every seed (how
 * it was split, each test image's nearest training image and their similarity) with that seed's
 * test images found in the pool, and one log line per data set and seed, so a reader can check the
 * protocol without reading code.
 */
import * as path from 'node:path';
import { writeJsonAtomic } from '../../shared/node/atomicFile';
import type { CommandContext } from '../command';
import type { SegmentationDataset } from '../data/segmentation';
import { describeSplit, type SplitReport } from '../data/splitReport';
import { testImageName, type PoolOverlap } from './poolOverlap';

export const SPLITS_DIR = 'splits';

/** What bench/splits/<dataset>.json holds. */
export interface SplitReportsFile {
  dataset: string;
  /** One report per benchmark seed, with the seed's test images found in the pool. */
  seeds: Array<{ seed: number; split: SplitReport; inPool: PoolOverlap[] }>;
}

export async function writeSplitReports(
  benchDir: string,
  splits: ReadonlyMap<number, readonly SegmentationDataset[]>,
  overlap: readonly PoolOverlap[],
  ctx: CommandContext,
): Promise<void> {
  const files = new Map<string, SplitReportsFile>();
  for (const [seed, datasets] of splits) {
    for (const ds of datasets) {
      const tested = new Set(ds.test.provenance.map(testImageName));
      const inPool = overlap.filter((o) => o.dataset === ds.name && tested.has(o.test));
      ctx.log('info', `bench: seed ${seed}: ${describeSplit(ds.split)}`);
      if (inPool.length > 0) {
        const examples = inPool
          .slice(0, 3)
          .map((o) => `${o.test} = pool sample ${o.poolId} (${o.poolSource})`)
          .join('; ');
        ctx.log(
          'warn',
          `bench: seed ${seed}: ${inPool.length} test image(s) of ${ds.name} are in the pre-training pool (${examples}); they are left out of every encoder's pre-training`,
        );
      }
      const file = files.get(ds.name) ?? { dataset: ds.name, seeds: [] };
      file.seeds.push({ seed, split: ds.split, inPool });
      files.set(ds.name, file);
    }
  }
  for (const [name, file] of files) await writeJsonAtomic(path.join(benchDir, SPLITS_DIR, `${name}.json`), file);
}
