/**
 * `optidel run`: every stage of OptiDEL in order, ingest, pretrain, score, propose, select,
 * synthesize, train, each through the stage function its command calls, so the pipeline and the
 * single commands cannot drift apart. Resumable: a stage run.json records as done is skipped
 * (select, synthesize and train only when done for the same method, select only when its selection
 * is exact, as the pipeline makes it), until one runs: the stages after it then run too, since they
 * are made from its output. A stage interrupted mid-way resumes from its checkpoints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SelectionFile } from '../../shared/artifacts';
import { selectionFile } from '../../shared/artifacts';
import type { RunResult, ScoreRuntime } from '../../shared/commands';
import { readJsonFile } from '../../shared/node/atomicFile';
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
  /** What runs the model in score, propose and train's rounds; each stage falls back to the config's model.runtime, as alone. */
  runtime?: ScoreRuntime;
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
    score: () => runScoreStage({ run, seed: options.seed, runtime: options.runtime }, ctx),
    propose: () => runProposeStage({ run, seed: options.seed, runtime: options.runtime }, ctx),
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
          runtime: options.runtime,
        },
        ctx,
      );
      trainLoss = r.finalLoss;
      generated = r.generated;
    },
  };
  // Ingest always runs and leaves an unchanged pool as it was; any later stage that runs changes what follows.
  let upstreamRan = false;
  for (const [i, stage] of PIPELINE_STAGES.entries()) {
    throwIfCancelled(ctx.signal);
    ctx.progress('run', i, PIPELINE_STAGES.length, stage);
    if (stage !== 'ingest' && !upstreamRan && (await isDone(run, stage, method, ctx))) {
      stages[stage] = 'skipped';
      ctx.log('info', `run: ${stage} already done, skipped`);
      continue;
    }
    await steps[stage]();
    stages[stage] = 'ran';
    if (stage !== 'ingest') upstreamRan = true;
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

async function isDone(runDir: string, stage: StageName, method: string, ctx: CommandContext): Promise<boolean> {
  const record = (await readRun(runDir)).stages[stage];
  if (record?.status !== 'done') return false;
  if (PER_METHOD.has(stage) && record.summary?.method !== method) return false;
  return stage !== 'select' || !(await madeHierarchically(runDir, method, ctx));
}

/**
 * Whether the method's selection file was made on the hierarchical path (`select --hierarchical`):
 * the pipeline selects exactly, so it must not pass that selection off as its own; the log says so.
 */
async function madeHierarchically(runDir: string, method: string, ctx: CommandContext): Promise<boolean> {
  const file = selectionFile(method);
  if (!fs.existsSync(path.join(runDir, file))) return false;
  const selection = (await readJsonFile(path.join(runDir, file)).catch(() => undefined)) as SelectionFile | undefined;
  if (!selection?.options?.hierarchical) return false;
  ctx.log(
    'info',
    `run: ${file} was made on the hierarchical path (optidel select --hierarchical); run selects exactly, so it selects again`,
  );
  return true;
}
