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
import { resolveInRun } from '../../shared/run/node/contain';
import { openCache } from '../data/cache';
import { existingRunDir } from '../model/runSettings';
import { runStage } from '../runStage';
import { currentExpectations } from '../scale/parts';
import { mergeProposeParts } from '../scale/proposeParts';
import { mergeScoreParts } from '../scale/scoreParts';
import { writeScoreArtifacts } from './score';

export const mergeCommand: EngineCommand<'merge'> = {
  name: 'merge',
  summary:
    'Join the parts of a sharded score and propose (--shard i/n) into the run, refusing missing or mismatched shards',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder whose parts/ holds the shards' },
    {
      name: 'stage',
      type: 'string',
      choices: SHARDED_STAGES,
      description: 'merge only this stage (default: every stage with parts, score first)',
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
    const stages = args.stage
      ? [args.stage]
      : SHARDED_STAGES.filter((s) => fs.existsSync(resolveInRun(runDir, shardPartsFolder(s))));
    if (stages.length === 0)
      throw new Error(
        `${path.join(runDir, ARTIFACTS.partsDir)} holds no parts: run "optidel score --run ${args.run} --shard i/n" for each shard first`,
      );
    const merged: MergeResult['stages'] = [];
    for (const stage of stages) merged.push(await mergeStage(runDir, args.run, stage, checkpoint, ctx));
    return { stages: merged };
  },
  describe(r) {
    return r.stages
      .map((s) => `${s.stage}: merged ${s.shards} shards (${s.samples} samples)\nwrote ${s.files.join(', ')}`)
      .join('\n');
  },
};

type MergedStage = { result: MergeResult['stages'][number]; summary: Record<string, number | string> };

function mergeStage(
  runDir: string,
  runArg: string,
  stage: ShardedStage,
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
      const { file, shards, skipped } = await mergeProposeParts(runDir, expected, rerun);
      for (const s of skipped) ctx.log('warn', `key patches: skipped ${s.path}: ${s.reason}`);
      await writeJsonAtomic(path.join(runDir, ARTIFACTS.keyPatches), file);
      return {
        result: { stage, shards, samples: cache.size, files: [ARTIFACTS.keyPatches] },
        summary: { patches: file.patches.length, shards },
      };
    } finally {
      await cache.close();
    }
  });
}
