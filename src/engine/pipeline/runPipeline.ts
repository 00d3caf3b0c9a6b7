/**
 * `optidel run`: every stage of OptiDEL in order, ingest, pretrain, score, propose, select,
 * synthesize, train, each through the stage function its command calls, so the pipeline and the
 * single commands cannot drift apart. Resumable: a stage run.json records as done is skipped
 * (select, synthesize and train only when done for the same method); a stage interrupted mid-way
 * resumes from its checkpoints.
 */
import * as path from 'node:path';
import type { RunResult } from '../../shared/commands';
import { readRun } from '../../shared/node/runStore';
import type { StageName } from '../../shared/runRecord';
import type { CommandContext } from '../command';
import { throwIfCancelled } from '../command';
import type { LoadedConfig } from '../config/loadConfig';
import { ingestPool } from './ingestStage';
import type { MaePreset } from '../model/mae';
import type { SelectionMethod } from '../selection/methods';
import { runPretrainStage } from './pretrainStage';
import { runProposeStage } from './proposeStage';
import { runScoreStage } from './scoreStage';
import { runSelectStage } from './selectStage';
import { runSynthesizeStage } from './synthesizeStage';
import { runTrainStage } from './trainStage';

export type PipelineSummary = RunResult;

export interface PipelineOptions {
  method: SelectionMethod;
  budget?: number;
  seed?: number;
  preset?: MaePreset;
  steps?: number;
  batchSize?: number;
  rounds?: number;
}

const PIPELINE_STAGES = [
  'ingest',
  'pretrain',
  'score',
  'propose',
  'select',
  'synthesize',
  'train',
] as const satisfies readonly StageName[];
const PER_METHOD: ReadonlySet<StageName> = new Set(['select', 'synthesize', 'train']);

export async function runPipeline(
  loaded: LoadedConfig,
  runDir: string,
  options: PipelineOptions,
  ctx: CommandContext,
): Promise<PipelineSummary> {
  const started = performance.now();
  const run = path.resolve(runDir);
  const { method } = options;
  const stages: Record<string, 'ran' | 'skipped'> = {};
  let selected = 0;
  let generated = 0;
  let vInformation: RunResult['vInformation'];
  let trainLoss = Number.NaN;
  const steps: Record<(typeof PIPELINE_STAGES)[number], () => Promise<unknown>> = {
    // Ingest is cheap to repeat (an unchanged pool reuses its cache) and picks up config edits.
    ingest: () => ingestPool(loaded, run, ctx),
    pretrain: () =>
      runPretrainStage(
        { run, preset: options.preset, steps: options.steps, batchSize: options.batchSize, seed: options.seed },
        ctx,
      ),
    score: () => runScoreStage({ run, seed: options.seed }, ctx),
    propose: () => runProposeStage({ run, seed: options.seed }, ctx),
    select: async () => {
      const r = await runSelectStage({ run, method, budget: options.budget, seed: options.seed }, ctx);
      selected = r.selected;
      vInformation = r.vInformation;
    },
    synthesize: async () => {
      generated = (await runSynthesizeStage({ run, method, seed: options.seed }, ctx)).mosaics;
    },
    train: async () => {
      const r = await runTrainStage(
        {
          run,
          method,
          preset: options.preset,
          steps: options.steps,
          batchSize: options.batchSize,
          rounds: options.rounds,
        },
        ctx,
      );
      trainLoss = r.finalLoss;
      generated = r.generated;
    },
  };
  for (const [i, stage] of PIPELINE_STAGES.entries()) {
    throwIfCancelled(ctx.signal);
    ctx.progress('run', i, PIPELINE_STAGES.length, stage);
    if (stage !== 'ingest' && (await isDone(run, stage, method))) {
      stages[stage] = 'skipped';
      ctx.log('info', `run: ${stage} already done, skipped`);
      continue;
    }
    await steps[stage]();
    stages[stage] = 'ran';
  }
  ctx.progress('run', PIPELINE_STAGES.length, PIPELINE_STAGES.length);
  const summary = (await readRun(run)).stages;
  if (stages.select === 'skipped') selected = Number(summary.select?.summary?.selected ?? 0);
  if (stages.train === 'skipped') {
    trainLoss = Number(summary.train?.summary?.loss ?? Number.NaN);
    generated = Number(summary.train?.summary?.generated ?? 0);
  }
  return {
    runDir: run,
    method,
    stages,
    selected,
    generated,
    ...(vInformation ? { vInformation } : {}),
    trainLoss,
    seconds: (performance.now() - started) / 1000,
  };
}

async function isDone(runDir: string, stage: StageName, method: string): Promise<boolean> {
  const record = (await readRun(runDir)).stages[stage];
  if (record?.status !== 'done') return false;
  return !PER_METHOD.has(stage) || record.summary?.method === method;
}
