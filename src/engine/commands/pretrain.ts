/** `optidel pretrain --run RUN_DIR`: pre-trains the foundation MAE on the whole pool; resumes from its last checkpoint. */
import type { EngineCommand, OptionSpec } from '../command';
import { runPretrainStage } from '../pipeline/pretrainStage';
import { MAE_PRESETS } from '../model/mae';
import { DEFAULT_PRETRAIN_OPTIONS } from '../model/pretrain';

/** `--workers` of pretrain and train (not bench's, which counts engine processes sharing encoders). */
export const WORKERS_OPTION: OptionSpec = {
  name: 'workers',
  type: 'integer',
  description:
    'data-parallel training threads of this run, each with its own wasm backend (default: the cores, capped by the batch size and lowered to a divisor of it; 1 trains in the engine thread)',
};

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
  run: runPretrainStage,
  describe(r) {
    return [
      `pretrained ${r.preset} (${r.imageSize} px) on ${r.samples} samples: ${r.steps} steps${r.resumedFrom ? ` (resumed at ${r.resumedFrom})` : ''}`,
      `final loss ${r.finalLoss.toFixed(4)}, ${r.imagesPerSecond.toFixed(1)} images/s on ${r.workers} worker(s), ${r.seconds.toFixed(0)} s`,
      `checkpoint: ${r.checkpoint}`,
    ].join('\n');
  },
};
