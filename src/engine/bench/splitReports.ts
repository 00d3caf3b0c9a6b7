/**
 * bench/splits/<dataset>.json: the split report of every downstream data set for every seed (how
 * it was split, each test image's nearest training image and their similarity) with that seed's
 * test images found in the pool, one log line per data set and seed, and one per data set on how
 * much of its cross-validation the seeds cover (returned, for the report), so a reader can check the
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
): Promise<string[]> {
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
  const coverage = foldCoverage(splits);
  for (const line of coverage) ctx.log('info', `bench: ${line}`);
  return coverage;
}

/**
 * How much of each data set's cross-validation the seeds cover, one line per data set: seed s
 * tests fold s mod k of the grouped k-fold (`assignSplits`), so only k seeds test every
 * acquisition, and a mean over fewer seeds leaves subjects out. Data sets in order of first appearance.
 */
export function foldCoverage(
  splits: ReadonlyMap<number, ReadonlyArray<{ name: string; split: SplitReport }>>,
): string[] {
  const byDataset = new Map<string, SplitReport[]>();
  for (const datasets of splits.values())
    for (const ds of datasets) byDataset.set(ds.name, [...(byDataset.get(ds.name) ?? []), ds.split]);
  return [...byDataset].map(([name, reports]) => `${name}: ${coverageOf(reports)}`);
}

function coverageOf(reports: readonly SplitReport[]): string {
  const { folds, strategy, acquisitions } = reports[0];
  if (reports.every((r) => r.counts.test === 0)) return 'no test split';
  const unit =
    strategy === 'acquisitions' ? `${acquisitions} acquisitions` : `thirds (of ${acquisitions} acquisition(s))`;
  const foldsByPartition = new Map<number, Set<number>>();
  for (const r of reports) foldsByPartition.set(r.seed, (foldsByPartition.get(r.seed) ?? new Set()).add(r.fold));
  const complete = [...foldsByPartition.values()].filter((f) => f.size === folds).length;
  const partialFolds = [...foldsByPartition.values()].reduce((n, f) => n + (f.size < folds ? f.size : 0), 0);
  if (complete === 0) {
    const tested = reports.reduce((n, r) => n + r.acquisitionsPerSplit.test, 0);
    const which = strategy === 'acquisitions' ? ` (${tested} of its ${acquisitions} acquisitions)` : '';
    return `${partialFolds} of its ${folds} folds tested${which}; \`--seeds ${folds}\` tests every one of its ${unit} once`;
  }
  const rounds = `${complete} full round${complete === 1 ? '' : 's'} of its ${folds} folds (each tests every one of its ${unit} once)`;
  return partialFolds === 0 ? rounds : `${rounds}, and ${partialFolds} fold(s) of the next round`;
}
