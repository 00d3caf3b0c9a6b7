/** The score stage: every pool sample's embedding and masked reconstruction errors under the foundation model (or one shard of them), with the map's PCA. */
import * as path from 'node:path';
import type { ScoresInfo } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import type { CommandArgs, CommandResult } from '../../shared/commands';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { selectBackend } from '../backends/select';
import type { CommandContext } from '../command';
import { openCache } from '../data/cache';
import { checkpointDir } from '../model/checkpoint';
import { MaeModel } from '../model/mae';
import { resolveScoringWorkers } from '../model/parallelScoring';
import { pcaProject } from '../model/projection';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import type { PoolScores, ScoreOptions } from '../model/scoring';
import { fitInputFree, resolveDifficulty } from '../model/scoring';
import { checkpointGraph, stageRuntime, withModelScorer } from '../onnx/scoreRuntime';
import { currentExpectations } from '../scale/parts';
import { bytes, writeScorePart, type ScoreValues } from '../scale/scoreParts';
import { resolveShard, shardIds, shardLabel } from '../scale/shard';
import { runStageOrShard } from '../scale/shardStage';
import { runRecordOrUndefined } from './stageSettings';

/** `optidel score` in a run folder (its lock, its status in run.json, its artifacts): called by the command, the pipeline and the benchmark alike. */
export async function runScoreStage(args: CommandArgs<'score'>, ctx: CommandContext): Promise<CommandResult<'score'>> {
  const runDir = existingRunDir('score', args.run);
  const { backend } = await selectBackend(ctx.backendPreference);
  const settings = await readRunModelSettings(runDir);
  const masks = args.masks ?? SCORE_DEFAULTS.masks;
  if (masks < 1) throw new Error('score: --masks must be at least 1');
  const checkpoint = args.checkpoint ?? 'pretrain';
  const difficulty = resolveDifficulty(args.difficulty, await runRecordOrUndefined(runDir));
  const shard = resolveShard(args.shard, process.env, 'score');
  const workers = resolveScoringWorkers(args.workers, backend, 'score');
  const { runtime, ort } = stageRuntime('score', args.runtime, settings);
  return runStageOrShard(runDir, 'score', shard, ctx, backend, async () => {
    const started = performance.now();
    const model = await MaeModel.load(checkpointDir(runDir, checkpoint));
    const cache = await openCache(runDir);
    try {
      const seed = args.seed ?? settings.seed ?? 0;
      const ids = shardIds(shard, cache.size);
      const options: ScoreOptions = {
        masks,
        seed,
        batchSize: args.batchSize ?? SCORE_DEFAULTS.batchSize,
        difficulty,
        // The whole pool's, so that a shard's pvi scores are those of an unsharded run.
        inputFree:
          difficulty === 'pvi'
            ? await fitInputFree(cache, shardIds(undefined, cache.size), model.config.patchSize, seed)
            : undefined,
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress('score', done, total),
      };
      const scores: PoolScores = await withModelScorer(
        model,
        cache,
        { workers, cache: cache.layout },
        ort && checkpointGraph(ort, runDir, checkpoint, model),
        (scorer) => scorer.pool(ids, options),
      );
      const info: ScoresInfo = {
        count: scores.count,
        embeddingDim: scores.embeddingDim,
        patchesPerSide: scores.patchesPerSide,
        masksPerSample: masks,
        model: `${checkpoint} (${describeModel(model)})`,
        difficulty,
        runtime,
      };
      const files = shard
        ? await writeScorePart(
            runDir,
            shard,
            await currentExpectations(runDir, cache, checkpoint),
            // The runtime too: its scores agree with the other's only within rounding.
            { masks, seed, difficulty, runtime },
            scores,
            info,
          )
        : await writeScoreArtifacts(runDir, scores, info);
      const meanDifficulty = scores.difficulty.reduce((s, v) => s + v, 0) / Math.max(1, scores.count);
      const result = {
        count: scores.count,
        embeddingDim: scores.embeddingDim,
        masks,
        difficulty,
        meanDifficulty,
        seconds: (performance.now() - started) / 1000,
        files,
        workers,
        runtime,
        ...(shard ? { shard: shardLabel(shard) } : {}),
      };
      return {
        result,
        summary: {
          samples: scores.count,
          difficulty,
          meanDifficulty: Number(meanDifficulty.toFixed(4)),
          workers,
          runtime,
        },
      };
    } finally {
      model.dispose();
      await cache.close();
    }
  });
}

export const SCORE_DEFAULTS = { masks: 4, batchSize: 64 };

export function describeModel(model: MaeModel): string {
  const c = model.config;
  return `MAE ${c.imageSize}px/${c.patchSize} dim ${c.dim} depth ${c.depth}`;
}

/** The pool's scores as an unsharded score (or `optidel merge`) leaves them: the values, their 2D map and scores.json. */
export async function writeScoreArtifacts(runDir: string, scores: ScoreValues, info: ScoresInfo): Promise<string[]> {
  await writeFileAtomic(path.join(runDir, ARTIFACTS.embeddings), bytes(scores.embeddings));
  await writeFileAtomic(path.join(runDir, ARTIFACTS.difficulty), bytes(scores.difficulty));
  await writeFileAtomic(path.join(runDir, ARTIFACTS.patchErrors), bytes(scores.patchErrors));
  await writeFileAtomic(
    path.join(runDir, ARTIFACTS.projection),
    bytes(pcaProject(scores.embeddings, info.embeddingDim)),
  );
  await writeJsonAtomic(path.join(runDir, ARTIFACTS.scores), info);
  return [ARTIFACTS.embeddings, ARTIFACTS.difficulty, ARTIFACTS.patchErrors, ARTIFACTS.projection, ARTIFACTS.scores];
}
