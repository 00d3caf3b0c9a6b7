/** `optidel train --run RUN_DIR`: pre-train on the compact set (selected + generated) with the full run's optimiser steps. */
import { SELECTION_METHOD_NAMES } from '../../shared/commands';
import type { EngineCommand } from '../command';
import { MAE_PRESETS } from '../model/mae';
import { SCORE_RUNTIME_OPTION } from '../onnx/scoreRuntime';
import { runTrainStage } from '../pipeline/trainStage';
import { WORKERS_OPTION } from './pretrain';

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
    { ...SCORE_RUNTIME_OPTION, description: `in the re-scoring between rounds, ${SCORE_RUNTIME_OPTION.description}` },
    { name: 'fresh', type: 'boolean', description: 'discard earlier train checkpoints and start from step 0' },
  ],
  run: runTrainStage,
  describe(r) {
    return `trained on the ${r.method} compact set (${r.samples + r.generated} images: ${r.samples} pool images as they are, ${r.generated} generated): ${r.steps} steps in ${r.rounds} round(s)${r.runtime === 'onnxruntime' ? ' (re-scored by onnxruntime)' : ''}, final loss ${r.finalLoss.toFixed(4)}, ${r.imagesPerSecond.toFixed(1)} images/s on ${r.workers} worker(s)\ncheckpoint: ${r.checkpoint}`;
  },
};
