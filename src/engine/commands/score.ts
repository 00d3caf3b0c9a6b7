/** `optidel score --run RUN_DIR`: embeddings, difficulty, per-patch errors and the embedding map of every pool sample. */
import * as path from 'node:path';
import type { EngineCommand } from '../command';
import type { ScoresInfo } from '../../shared/artifacts';
import { DIFFICULTY_SCORES } from '../../shared/commands';
import { ARTIFACTS } from '../../shared/artifacts';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { selectBackend } from '../backends/select';
import { openCache } from '../data/cache';
import { checkpointDir } from '../model/checkpoint';
import { MaeModel } from '../model/mae';
import { pcaProject } from '../model/projection';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import { runStage } from '../runStage';
import { resolveDifficulty, scoreSamples } from '../model/scoring';
import { runRecordOrUndefined } from '../pipeline/stageSettings';

export const SCORE_DEFAULTS = { masks: 4, batchSize: 64 };

export const scoreCommand: EngineCommand<'score'> = {
  name: 'score',
  summary:
    'Score every pool sample with the pre-trained model: embedding, difficulty (K masks), per-patch errors, 2D map',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with ingest and pretrain done' },
    {
      name: 'masks',
      type: 'integer',
      description: `random masks averaged per sample (default ${SCORE_DEFAULTS.masks})`,
    },
    { name: 'seed', type: 'integer', description: 'seed of the masks (default: the config seed)' },
    { name: 'batchSize', type: 'integer', description: `samples per batch (default ${SCORE_DEFAULTS.batchSize})` },
    {
      name: 'checkpoint',
      type: 'string',
      description: 'checkpoint under checkpoints/ to score with (default pretrain)',
    },
    {
      name: 'difficulty',
      type: 'string',
      choices: DIFFICULTY_SCORES,
      description:
        "difficulty score: normalised (MAE loss), intensity (error in intensity units), pvi (minus pointwise V-information); default the config's selection.difficulty, else normalised",
    },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('score', args.run);
    const { backend } = await selectBackend(ctx.backendPreference);
    const settings = await readRunModelSettings(runDir);
    const masks = args.masks ?? SCORE_DEFAULTS.masks;
    if (masks < 1) throw new Error('score: --masks must be at least 1');
    const checkpoint = args.checkpoint ?? 'pretrain';
    const difficulty = resolveDifficulty(args.difficulty, await runRecordOrUndefined(runDir));
    return runStage(runDir, 'score', ctx, backend, async () => {
      const started = performance.now();
      const model = await MaeModel.load(checkpointDir(runDir, checkpoint));
      const cache = await openCache(runDir);
      try {
        const ids = Array.from({ length: cache.size }, (_, i) => i);
        const scores = await scoreSamples(model, cache, ids, {
          masks,
          seed: args.seed ?? settings.seed ?? 0,
          batchSize: args.batchSize ?? SCORE_DEFAULTS.batchSize,
          difficulty,
          signal: ctx.signal,
          onProgress: (done, total) => ctx.progress('score', done, total),
        });
        const files = [
          ARTIFACTS.embeddings,
          ARTIFACTS.difficulty,
          ARTIFACTS.patchErrors,
          ARTIFACTS.projection,
          ARTIFACTS.scores,
        ];
        await writeFileAtomic(path.join(runDir, ARTIFACTS.embeddings), bytes(scores.embeddings));
        await writeFileAtomic(path.join(runDir, ARTIFACTS.difficulty), bytes(scores.difficulty));
        await writeFileAtomic(path.join(runDir, ARTIFACTS.patchErrors), bytes(scores.patchErrors));
        await writeFileAtomic(
          path.join(runDir, ARTIFACTS.projection),
          bytes(pcaProject(scores.embeddings, scores.embeddingDim)),
        );
        const info: ScoresInfo = {
          count: scores.count,
          embeddingDim: scores.embeddingDim,
          patchesPerSide: scores.patchesPerSide,
          masksPerSample: masks,
          model: `${checkpoint} (${describeModel(model)})`,
          difficulty,
        };
        await writeJsonAtomic(path.join(runDir, ARTIFACTS.scores), info);
        const meanDifficulty = scores.difficulty.reduce((s, v) => s + v, 0) / Math.max(1, scores.count);
        const result = {
          count: scores.count,
          embeddingDim: scores.embeddingDim,
          masks,
          difficulty,
          meanDifficulty,
          seconds: (performance.now() - started) / 1000,
          files,
        };
        return {
          result,
          summary: { samples: scores.count, difficulty, meanDifficulty: Number(meanDifficulty.toFixed(4)) },
        };
      } finally {
        model.dispose();
        await cache.close();
      }
    });
  },
  describe(r) {
    return `scored ${r.count} samples (${r.masks} masks each): mean ${r.difficulty} difficulty ${r.meanDifficulty.toFixed(4)}, ${r.seconds.toFixed(1)} s\nwrote ${r.files.join(', ')}`;
  },
};

export function describeModel(model: MaeModel): string {
  const c = model.config;
  return `MAE ${c.imageSize}px/${c.patchSize} dim ${c.dim} depth ${c.depth}`;
}

function bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
