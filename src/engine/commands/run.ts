/** `optidel run --config optidel.json --out RUN_DIR --method NAME`: all stages in order; done stages are skipped. */
import type { EngineCommand } from '../command';
import { SELECTION_METHOD_NAMES } from '../../shared/commands';
import { loadConfig } from '../config/loadConfig';
import { MAE_PRESETS } from '../model/mae';
import { SCORE_RUNTIME_OPTION } from '../onnx/scoreRuntime';
import { runPipeline } from '../pipeline/runPipeline';
import { checkRunFolderOut } from '../../shared/run/node/outFolder';

export const runCommand: EngineCommand<'run'> = {
  name: 'run',
  summary: 'Run every stage (ingest, pretrain, score, propose, select, synthesize, train); resumable',
  options: [
    { name: 'config', type: 'string', required: true, description: 'the optidel.json to read' },
    {
      name: 'out',
      type: 'string',
      required: true,
      description: 'the run folder: new, empty or an OptiDEL run (done stages are skipped)',
    },
    {
      name: 'method',
      type: 'string',
      required: true,
      choices: SELECTION_METHOD_NAMES,
      description: 'selection method',
    },
    { name: 'budget', type: 'number', description: 'fraction of the pool or a count (default: the config budget)' },
    { name: 'seed', type: 'integer', description: 'seed (default: the config seed)' },
    { name: 'preset', type: 'string', choices: MAE_PRESETS, description: 'model size (default tiny)' },
    { name: 'steps', type: 'integer', description: 'optimiser steps of both pre-trainings (equal compute)' },
    { name: 'batchSize', type: 'integer', description: 'images per step' },
    { name: 'rounds', type: 'integer', description: 'collaborative rounds of the compact pre-training (default 1)' },
    {
      ...SCORE_RUNTIME_OPTION,
      description: `in score, propose and the re-scoring between training rounds, ${SCORE_RUNTIME_OPTION.description}`,
    },
  ],
  async run(args, ctx) {
    const runDir = checkRunFolderOut(args.out);
    const loaded = await loadConfig(args.config);
    const { method, budget, seed, preset, steps, batchSize, rounds, runtime } = args;
    return runPipeline(loaded, runDir, { method, budget, seed, preset, steps, batchSize, rounds, runtime }, ctx);
  },
  describe(r) {
    const stages = Object.entries(r.stages)
      .map(([s, how]) => `${s}${how === 'skipped' ? ' (skipped)' : ''}`)
      .join(', ');
    const v = r.vInformation ? `, V-information ${r.vInformation.value.toFixed(4)}` : '';
    return `${r.method}: ${r.selected} selected, ${r.generated} generated${v}; compact pre-training loss ${r.trainLoss.toFixed(4)}\nstages: ${stages}\n${r.seconds.toFixed(0)} s, run folder ${r.runDir}`;
  },
};
