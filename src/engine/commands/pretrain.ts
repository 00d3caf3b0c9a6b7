/** `optidel pretrain --run RUN_DIR`: pre-trains the foundation MAE on the whole pool; resumes from its last checkpoint. */
import type { EngineCommand, OptionSpec } from '../command';
import { selectBackend } from '../backends/select';
import { openCache } from '../data/cache';
import { checkpointDir, discardCheckpoints } from '../model/checkpoint';
import { MAE_PRESETS, MaeModel, maeConfig } from '../model/mae';
import type { PretrainOptions } from '../model/pretrain';
import { DEFAULT_PRETRAIN_OPTIONS, pretrain } from '../model/pretrain';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import { runStage } from '../runStage';
import { stepsForEpochs } from '../model/schedule';

/** `--workers` of pretrain and train (not bench's, which counts engine processes sharing encoders). */
export const WORKERS_OPTION: OptionSpec = {
  name: 'workers',
  type: 'integer',
  description:
    'data-parallel training threads of this run, each with its own wasm backend (default: the cores, capped by the batch size and lowered to a divisor of it; 1 trains in the engine thread)',
};

const OPTION_KEYS = [
  'steps',
  'batchSize',
  'lr',
  'warmupSteps',
  'weightDecay',
  'seed',
  'checkpointEvery',
  'augment',
  'workers',
] as const;

export const pretrainCommand: EngineCommand<'pretrain'> = {
  name: 'pretrain',
  summary: 'Pre-train the foundation masked autoencoder on the pool (resumes from its last checkpoint)',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder made by "optidel ingest"' },
    {
      name: 'preset',
      type: 'string',
      choices: MAE_PRESETS,
      description: 'model size: micro (tests), tiny (CPU, default), base (ViT-B/16, GPU)',
    },
    {
      name: 'steps',
      type: 'integer',
      description: 'optimiser steps (default: 20 epochs of the pool, between 200 and 2000)',
    },
    {
      name: 'batchSize',
      type: 'integer',
      description: `images per step (default ${DEFAULT_PRETRAIN_OPTIONS.batchSize})`,
    },
    { name: 'lr', type: 'number', description: `peak learning rate (default ${DEFAULT_PRETRAIN_OPTIONS.lr})` },
    {
      name: 'warmupSteps',
      type: 'integer',
      description: `linear warm-up steps (default ${DEFAULT_PRETRAIN_OPTIONS.warmupSteps}, at most a tenth of the steps)`,
    },
    {
      name: 'weightDecay',
      type: 'number',
      description: `AdamW decoupled weight decay (default ${DEFAULT_PRETRAIN_OPTIONS.weightDecay})`,
    },
    {
      name: 'seed',
      type: 'integer',
      description: 'seed of initialisation, batches, augmentation and masks (default: the config seed)',
    },
    {
      name: 'checkpointEvery',
      type: 'integer',
      description: `steps between checkpoints (default ${DEFAULT_PRETRAIN_OPTIONS.checkpointEvery})`,
    },
    { name: 'augment', type: 'boolean', description: 'flips and small contrast changes (default true)' },
    WORKERS_OPTION,
    { name: 'fresh', type: 'boolean', description: 'discard earlier checkpoints and start from step 0' },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('pretrain', args.run);
    const { backend } = await selectBackend(ctx.backendPreference);
    const settings = await readRunModelSettings(runDir);
    const cache = await openCache(runDir);
    const preset = args.preset ?? settings.preset ?? 'tiny';
    const model = MaeModel.create(maeConfig(preset, cache.imageSize), args.seed ?? settings.seed ?? 0);
    try {
      const options = pretrainOptions(args, settings.pretrain, settings.seed, cache.size);
      ctx.log(
        'info',
        `pretrain: ${preset} model at ${cache.imageSize} px on ${cache.size} samples, ${options.steps} steps of ${options.batchSize} on ${backend}`,
      );
      const ids = Array.from({ length: cache.size }, (_, i) => i);
      const result = await runStage(runDir, 'pretrain', ctx, backend, async () => {
        if (args.fresh) await discardCheckpoints(runDir, 'pretrain');
        const r = await pretrain(model, { ids, cache }, options, runDir, 'pretrain', ctx);
        return {
          result: r,
          summary: {
            steps: r.steps,
            loss: Number(r.finalLoss.toFixed(4)),
            'images/s': Number(r.imagesPerSecond.toFixed(1)),
            workers: r.workers,
          },
        };
      });
      return {
        preset,
        imageSize: cache.imageSize,
        samples: cache.size,
        ...result,
        checkpoint: checkpointDir(runDir, 'pretrain'),
      };
    } finally {
      model.dispose();
      await cache.close();
    }
  },
  describe(r) {
    return [
      `pretrained ${r.preset} (${r.imageSize} px) on ${r.samples} samples: ${r.steps} steps${r.resumedFrom ? ` (resumed at ${r.resumedFrom})` : ''}`,
      `final loss ${r.finalLoss.toFixed(4)}, ${r.imagesPerSecond.toFixed(1)} images/s on ${r.workers} worker(s), ${r.seconds.toFixed(0)} s`,
      `checkpoint: ${r.checkpoint}`,
    ].join('\n');
  },
};

/** Flags, then the run config's "pretrain" section, then defaults; the default step count follows the pool size. */
export function pretrainOptions(
  args: Partial<PretrainOptions>,
  fromConfig: Record<string, unknown>,
  configSeed: number | undefined,
  poolSize: number,
): PretrainOptions {
  const options: PretrainOptions = { ...DEFAULT_PRETRAIN_OPTIONS, seed: configSeed ?? DEFAULT_PRETRAIN_OPTIONS.seed };
  for (const key of OPTION_KEYS) {
    const value = args[key] ?? fromConfig[key];
    if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
  }
  if (args.steps === undefined && fromConfig.steps === undefined)
    options.steps = Math.min(2000, Math.max(200, stepsForEpochs(poolSize, 20, options.batchSize)));
  if (args.warmupSteps === undefined && fromConfig.warmupSteps === undefined)
    options.warmupSteps = Math.min(options.warmupSteps, Math.floor(options.steps / 10));
  return options;
}
