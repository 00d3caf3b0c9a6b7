/**
 * `optidel merge --run RUN_DIR`: joins the parts that `score --shard` and `propose --shard` left
 * under parts/ into the artifacts an unsharded run writes, after checking that the parts are one
 * whole split made from the run's pool, its checkpoint and one set of settings (docs/scale-out.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandContext, EngineCommand } from '../command';
import type { MergeResult } from '../../shared/commands';
import { ARTIFACTS, SHARDED_STAGES, shardPartsFolder, type ShardedStage } from '../../shared/run/layout';
import { writeJsonAtomic } from '../../shared/node/atomicFile';
import { keyPatchLines, writeKeyPatchesFile } from '../../shared/node/keyPatchesFile';
import { resolveInRun } from '../../shared/run/node/contain';
import { loadConfig, parseConfig, type LoadedConfig } from '../config/loadConfig';
import { openCache, readCacheHeader } from '../data/cache';
import { planDecode, sourceGroups } from '../data/ingest';
import { writeIngestMetadata } from '../pipeline/ingestStage';
import { openRun, readRun } from '../../shared/node/runStore';
import { existingRunDir } from '../model/runSettings';
import { runStage } from '../runStage';
import { mergeIngestParts, MERGED_INGEST_FILES } from '../scale/ingestParts';
import { anyPartRecord, currentExpectations } from '../scale/parts';
import { mergeProposeParts } from '../scale/proposeParts';
import { mergeScoreParts } from '../scale/scoreParts';
import { writeScoreArtifacts } from '../pipeline/scoreStage';

export const mergeCommand: EngineCommand<'merge'> = {
  name: 'merge',
  summary:
    'Join the parts of a sharded ingest, score and propose (--shard i/n) into the run, refusing missing or mismatched shards',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder whose parts/ holds the shards' },
    {
      name: 'stage',
      type: 'string',
      choices: SHARDED_STAGES,
      description: 'merge only this stage (default: every stage with parts, in pipeline order)',
    },
    {
      name: 'config',
      type: 'string',
      description:
        'optidel.json the ingest parts must have been made from (default: the config their ingest recorded in run.json)',
    },
    {
      name: 'checkpoint',
      type: 'string',
      description: 'checkpoint under checkpoints/ the parts must have been made with (default pretrain)',
    },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('merge', args.run);
    const checkpoint = args.checkpoint ?? 'pretrain';
    const stages = args.stage ? [args.stage] : await stagesToMerge(runDir);
    if (stages.length === 0)
      throw new Error(
        `${path.join(runDir, ARTIFACTS.partsDir)} holds no parts left to merge (ingest parts are skipped once they are the run's cache): run "optidel score --run ${args.run} --shard i/n" for each shard first`,
      );
    const merged: MergeResult['stages'] = [];
    for (const stage of stages)
      merged.push(
        stage === 'ingest'
          ? await mergeIngest(runDir, args.run, args.config, ctx)
          : await mergeStage(runDir, args.run, stage, checkpoint, ctx),
      );
    return { stages: merged };
  },
  describe(r) {
    return r.stages
      .map((s) => `${s.stage}: merged ${s.shards} shards (${s.samples} samples)\nwrote ${s.files.join(', ')}`)
      .join('\n');
  },
};

/** Every stage with parts, but ingest only while its parts are not the run's cache already (pretrain and score may have run on it since). */
async function stagesToMerge(runDir: string): Promise<ShardedStage[]> {
  const withParts = SHARDED_STAGES.filter((s) => fs.existsSync(resolveInRun(runDir, shardPartsFolder(s))));
  if (!withParts.includes('ingest')) return withParts;
  const parts = await anyPartRecord(runDir, 'ingest');
  const cache = await readCacheHeader(runDir).catch(() => undefined);
  const merged =
    parts?.pool.contentHash === cache?.contentHash && (await readRun(runDir)).stages.ingest?.status === 'done';
  return merged ? withParts.filter((s) => s !== 'ingest') : withParts;
}

type MergedStage = { result: MergeResult['stages'][number]; summary: Record<string, number | string> };

/**
 * The ingest parts joined into the run's cache: the pool is discovered again from the config the
 * parts were made from (run.json's, or `--config`), so a pool changed since (or another config) is
 * refused, as it would make the parts disagree with the cache an unsharded ingest writes now.
 */
async function mergeIngest(
  runDir: string,
  runArg: string,
  configArg: string | undefined,
  ctx: CommandContext,
): Promise<MergeResult['stages'][number]> {
  const loaded = configArg ? await loadConfig(configArg) : await recordedConfig(runDir, runArg);
  const plan = await planDecode(loaded);
  const sources = sourceGroups(plan.discovery.files).length;
  const rerun = (shard: string) => `optidel ingest --config ${loaded.file} --out ${runArg} --shard ${shard}`;
  await openRun(runDir, { config: loaded.config, configPath: loaded.file });
  return runStage(runDir, 'ingest', ctx, undefined, async (): Promise<MergedStage> => {
    await writeJsonAtomic(path.join(runDir, ARTIFACTS.config), loaded.config);
    const { index, shards } = await mergeIngestParts(runDir, plan, sources, rerun);
    await writeIngestMetadata(loaded, plan, runDir, ctx);
    for (const s of index.skipped) ctx.log('warn', `skipped ${s.path}: ${s.reason}`);
    return {
      result: { stage: 'ingest', shards, samples: index.sampleCount, files: [...MERGED_INGEST_FILES] },
      summary: {
        samples: index.sampleCount,
        sources,
        shards,
        skipped: index.skipped.length,
        emptySlicesSkipped: index.emptySlicesSkipped,
      },
    };
  });
}

/**
 * The config the shards' ingest recorded in run.json, named by the path recorded with it. No path
 * a run folder names is read (part.json's or run.json's configPath): a shared run folder could
 * name any file of the user's there.
 */
async function recordedConfig(runDir: string, runArg: string): Promise<LoadedConfig> {
  const record = await readRun(runDir);
  if (!record.configPath)
    throw new Error(
      `${runDir} records no config its ingest parts were made from: give "optidel merge --run ${runArg} --config optidel.json"`,
    );
  return parseConfig(record.config, record.configPath);
}

function mergeStage(
  runDir: string,
  runArg: string,
  stage: Exclude<ShardedStage, 'ingest'>,
  checkpoint: string,
  ctx: CommandContext,
): Promise<MergeResult['stages'][number]> {
  const rerun = (shard: string) => `optidel ${stage} --run ${runArg} --shard ${shard}`;
  return runStage(runDir, stage, ctx, undefined, async (): Promise<MergedStage> => {
    const cache = await openCache(runDir);
    try {
      const expected = await currentExpectations(runDir, cache, checkpoint);
      if (stage === 'score') {
        const { scores, info, shards } = await mergeScoreParts(runDir, expected, rerun);
        const files = await writeScoreArtifacts(runDir, scores, info);
        const mean = scores.difficulty.reduce((s, v) => s + v, 0) / Math.max(1, info.count);
        return {
          result: { stage, shards, samples: info.count, files },
          summary: {
            samples: info.count,
            shards,
            difficulty: info.difficulty ?? 'normalised',
            'mean difficulty': Number(mean.toFixed(4)),
          },
        };
      }
      const { file, shards, skipped } = await mergeProposeParts(
        runDir,
        expected,
        { size: cache.size, imageSize: cache.imageSize },
        rerun,
      );
      for (const s of skipped) ctx.log('warn', `key patches: skipped ${s.path}: ${s.reason}`);
      await writeKeyPatchesFile(runDir, ARTIFACTS.keyPatches, file);
      return {
        result: {
          stage,
          shards,
          samples: cache.size,
          files: [ARTIFACTS.keyPatches, keyPatchLines(ARTIFACTS.keyPatches)],
        },
        summary: { patches: file.patches.length, shards },
      };
    } finally {
      await cache.close();
    }
  });
}
