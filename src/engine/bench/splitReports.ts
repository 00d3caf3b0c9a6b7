/**
 * bench/splits/<dataset>.json: the split report of every downstream data set (how it was split,
 * each test image's nearest training image and their similarity) with its test images found in the
 * pool, and one log line per data set, so a reader can check the protocol without reading code.
 */
import * as path from 'node:path';
import { writeJsonAtomic } from '../../shared/node/atomicFile';
import type { CommandContext } from '../command';
import type { SegmentationDataset } from '../data/segmentation';
import { describeSplit } from '../data/splitReport';
import type { PoolOverlap } from './poolOverlap';

export const SPLITS_DIR = 'splits';

export async function writeSplitReports(
  benchDir: string,
  datasets: readonly SegmentationDataset[],
  overlap: readonly PoolOverlap[],
  ctx: CommandContext,
): Promise<void> {
  for (const ds of datasets) {
    const inPool = overlap.filter((o) => o.dataset === ds.name);
    ctx.log('info', `bench: ${describeSplit(ds.split)}`);
    if (inPool.length > 0) {
      const examples = inPool
        .slice(0, 3)
        .map((o) => `${o.test} = pool sample ${o.poolId} (${o.poolSource})`)
        .join('; ');
      ctx.log(
        'warn',
        `bench: ${inPool.length} test image(s) of ${ds.name} are in the pre-training pool (${examples}); they are left out of every encoder's pre-training`,
      );
    }
    await writeJsonAtomic(path.join(benchDir, SPLITS_DIR, `${ds.name}.json`), { ...ds.split, inPool });
  }
}
