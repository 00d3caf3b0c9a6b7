/** `optidel train --run RUN_DIR`: pre-train on the compact set (selected + generated) with the full run's optimiser steps. */
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import { MAE_PRESETS, MaeModel, maeConfig } from '../model/mae';
import { SELECTION_METHOD_NAMES } from '../../shared/commands';
import { selectBackend } from '../backends/select';
import { openCache } from '../data/cache';
import { checkpointDir, discardCheckpoints, latestCheckpoint } from '../model/checkpoint';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import { runStage } from '../runStage';
import { lastSelectedMethod } from '../pipeline/runArtifacts';
import { runRecordOrUndefined } from '../pipeline/stageSettings';
import { adversarialFor } from '../pipeline/compactSet';
import { equalComputeSettings, trainStage } from '../pipeline/trainStage';
import type { SelectionMethod } from '../selection/methods';
import { pretrainOptions, WORKERS_OPTION } from './pretrain';

export const trainCommand: EngineCommand<'train'> = {
  name: 'train',
  summary:
    "Pre-train on a selection's compact set (B images for a budget of B: synth/, or built now) at equal compute, optionally in collaborative rounds",
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with select (and synthesize) done' },
    {
      name: 'method',
      type: 'string',
      choices: SELECTION_METHOD_NAMES,
      description: 'the selection to train on (default: the last one selected)',
    },
    {
      name: 'preset',
      type: 'string',
      choices: MAE_PRESETS,
      description: "model size (default: the foundation model's shape)",
    },
    {
      name: 'steps',
      type: 'integer',
      description: 'optimiser steps (default: those recorded in the foundation checkpoint, for equal compute)',
    },
    { name: 'batchSize', type: 'integer', description: "images per step (default: the foundation checkpoint's)" },
    {
      name: 'rounds',
      type: 'integer',
      description: 'collaborative rounds: re-score, reselect and regenerate between them (default 1)',
    },
    WORKERS_OPTION,
    { name: 'fresh', type: 'boolean', description: 'discard earlier train checkpoints and start from step 0' },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('train', args.run);
    const record = await runRecordOrUndefined(runDir);
    const method = (args.method ?? lastSelectedMethod(record?.stages.select?.summary)) as SelectionMethod | undefined;
    if (!method)
      throw new UsageError(
        `train: no selection in ${runDir} yet; run "optidel select --run ${args.run} --method NAME" or pass --method`,
      );
    const rounds = args.rounds ?? 1;
    if (rounds < 1) throw new UsageError('train: --rounds must be at least 1');
    const { backend } = await selectBackend(ctx.backendPreference);
    const settings = await readRunModelSettings(runDir);
    const cache = await openCache(runDir);
    // Same shape as the foundation model, so the comparison with full-data pre-training is fair.
    const foundation = await latestCheckpoint(checkpointDir(runDir, 'pretrain'));
    const config =
      args.preset || !foundation
        ? maeConfig(args.preset ?? settings.preset ?? 'tiny', cache.imageSize)
        : foundation.config;
    const compute = equalComputeSettings(
      foundation && { dir: foundation.dir, step: foundation.state.step, options: foundation.state.options },
      { steps: args.steps, batchSize: args.batchSize },
    );
    const options = pretrainOptions(
      { steps: compute.steps, batchSize: compute.batchSize, workers: args.workers },
      settings.pretrain,
      settings.seed,
      cache.size,
    );
    ctx.log(compute.note.startsWith('equal') ? 'info' : 'warn', `train: ${compute.note}`);
    const model = MaeModel.create(config, options.seed);
    try {
      ctx.log(
        'info',
        `train: ${method} compact set, ${options.steps} steps of ${options.batchSize}, ${rounds} round(s) on ${backend}`,
      );
      const result = await runStage(runDir, 'train', ctx, backend, async () => {
        if (args.fresh) await discardCheckpoints(runDir, 'train');
        const r = await trainStage(
          runDir,
          model,
          cache,
          {
            method,
            pretrain: options,
            rounds,
            adversarial: adversarialFor(method),
            masks: 4,
          },
          ctx,
        );
        return {
          result: r,
          summary: {
            method,
            samples: r.samples,
            generated: r.generated,
            steps: r.steps,
            loss: Number(r.finalLoss.toFixed(4)),
            workers: r.workers,
          },
        };
      });
      return {
        method,
        samples: result.samples,
        generated: result.generated,
        steps: result.steps,
        rounds,
        finalLoss: result.finalLoss,
        seconds: result.seconds,
        imagesPerSecond: result.imagesPerSecond,
        workers: result.workers,
        checkpoint: checkpointDir(runDir, 'train'),
      };
    } finally {
      model.dispose();
      await cache.close();
    }
  },
  describe(r) {
    return `trained on the ${r.method} compact set (${r.samples + r.generated} images: ${r.samples} pool images as they are, ${r.generated} generated): ${r.steps} steps in ${r.rounds} round(s), final loss ${r.finalLoss.toFixed(4)}, ${r.imagesPerSecond.toFixed(1)} images/s on ${r.workers} worker(s)\ncheckpoint: ${r.checkpoint}`;
  },
};
