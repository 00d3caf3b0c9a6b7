/** The ingest stage: the pool decoded into the run's cache (or one shard's part of it), then the samples' metadata. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../shared/artifacts';
import { writeJsonAtomic } from '../../shared/node/atomicFile';
import { openRun, readRun } from '../../shared/node/runStore';
import type { CommandContext } from '../command';
import type { LoadedConfig } from '../config/loadConfig';
import { readCacheIndex } from '../data/cache';
import type { Discovery } from '../data/discover';
import {
  decodePool,
  ingestInto,
  planDecode,
  reuseCache,
  unchangedCache,
  sourceGroups,
  type DecodePlan,
  type IngestSummary,
} from '../data/ingest';
import { writePoolMetadata } from '../data/metadata/poolMetadata';
import { writeVouchedLabels } from '../data/vouchedLabels';
import { runStage } from '../runStage';
import { writeIngestPart } from '../scale/ingestParts';
import { shardLabel, shardRange, type Shard } from '../scale/shard';

export async function ingestPool(
  loaded: LoadedConfig,
  runDir: string,
  ctx: CommandContext,
  shard?: Shard,
): Promise<IngestSummary> {
  const { plan, summary } = await ingestCache(loaded, runDir, ctx, shard);
  // A shard's part has no metadata of its own: optidel merge writes it for the merged pool.
  if (shard) return summary;
  return { ...summary, metadata: await writeIngestMetadata(loaded, plan, runDir, ctx) };
}

/**
 * curation/metadata.json for the run's cache (DICOM tags, NIfTI header fields, the user's CSV),
 * problems logged; and curation/label-maps.json, the label maps the sample view may show.
 */
export async function writeIngestMetadata(
  loaded: LoadedConfig,
  plan: Pick<DecodePlan, 'discovery' | 'options'>,
  runDir: string,
  ctx: CommandContext,
): Promise<NonNullable<IngestSummary['metadata']>> {
  const metadata = await writePoolMetadata(runDir, {
    index: await readCacheIndex(runDir),
    discovery: plan.discovery,
    limits: plan.options,
    configDir: loaded.dir,
    csv: loaded.config.ingest?.metadata,
    pool: loaded.config.pool,
  });
  await writeVouchedLabels(loaded, runDir, ctx);
  for (const problem of metadata.problems.slice(0, 10)) ctx.log('warn', `ingest metadata: ${problem}`);
  if (metadata.problems.length > 10)
    ctx.log('warn', `ingest metadata: ${metadata.problems.length - 10} more problems in ${ARTIFACTS.metadata}`);
  return { columns: metadata.columns, problems: metadata.problems.length };
}

async function ingestCache(
  loaded: LoadedConfig,
  runDir: string,
  ctx: CommandContext,
  shard: Shard | undefined,
): Promise<{ plan: DecodePlan; summary: IngestSummary }> {
  const started = performance.now();
  // run.json first (under its own lock, so sibling shards create it once): the views see the run.
  await openRun(runDir, { config: loaded.config, configPath: loaded.file });
  const plan = await planDecode(loaded);
  if (shard) return { plan, summary: await ingestShard(plan, runDir, shard, ctx, started) };
  // A pool unchanged since an ingest that finished needs nothing written but config.json, so it
  // takes no stage lock: bench workers and a pipeline rerun may repeat it while another stage runs.
  const previous = await unchangedCache(runDir, plan.hash);
  if (
    previous &&
    fs.existsSync(path.join(runDir, ARTIFACTS.thumbsIndex)) &&
    (await readRun(runDir)).stages.ingest?.status === 'done'
  ) {
    await writeJsonAtomic(path.join(runDir, ARTIFACTS.config), loaded.config);
    return { plan, summary: reuseCache(previous, ctx, started) };
  }
  const summary = await runStage(runDir, 'ingest', ctx, undefined, async () => {
    await writeJsonAtomic(path.join(runDir, ARTIFACTS.config), loaded.config);
    const summary = await ingestInto(plan, runDir, ctx, started);
    return {
      result: summary,
      summary: {
        samples: summary.samples,
        sources: summary.sources,
        skipped: summary.skipped.length,
        emptySlicesSkipped: summary.emptySlicesSkipped,
        cached: summary.cached ? 'yes' : 'no',
      },
    };
  });
  return { plan, summary };
}

/**
 * One shard of the pool's sources (sourceGroups) decoded into its part, parts/ingest/<i>-of-<n>/,
 * laid out as a run's cache/ and thumbs/; `optidel merge` joins the parts. Like the other shards it
 * takes no stage lock and leaves run.json and config.json to the merge. Nothing is decoded when
 * the run's cache already holds this pool.
 */
async function ingestShard(
  plan: DecodePlan,
  runDir: string,
  shard: Shard,
  ctx: CommandContext,
  started: number,
): Promise<IngestSummary> {
  const previous = await unchangedCache(runDir, plan.hash);
  if (previous && (await readRun(runDir)).stages.ingest?.status === 'done')
    return { ...reuseCache(previous, ctx, started), shard: shardLabel(shard), files: [] };
  const groups = sourceGroups(plan.discovery.files);
  const range = shardRange(shard, groups.length);
  // The discovery's own skips belong to the whole pool: shard 0 reports them, as the merged cache does once.
  const discovery: Discovery = {
    files: groups.slice(range.start, range.end).flat(),
    skipped: shard.index === 0 ? plan.discovery.skipped : [],
  };
  ctx.log(
    'info',
    `ingest: shard ${shardLabel(shard)}: sources ${range.start}-${range.end} of ${groups.length}; run.json is updated by "optidel merge" once every shard is done`,
  );
  let summary: IngestSummary | undefined;
  const files = await writeIngestPart(runDir, shard, plan, groups.length, async (partDir) => {
    summary = await decodePool({ ...plan, discovery }, partDir, ctx, started, { allowEmpty: true });
    return summary;
  });
  return { ...summary!, seconds: (performance.now() - started) / 1000, shard: shardLabel(shard), files };
}
