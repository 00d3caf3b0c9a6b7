/**
 * The train stage: pre-trains a fresh MAE of the foundation model's shape on the compact set
 * (curated selected samples + generated samples) with equal compute: the optimiser steps of the
 * full-pool run (checkpoints/train, resumable).
 *
 * Collaborative optimisation (OPTIDEL.md, generation (c)), optional: with R > 1 rounds the steps
 * are split in R parts; after each part but the last, the pool is re-scored with the model being
 * trained, re-selected (with the options the selection was made with) and the samples re-generated,
 * and training continues on the new compact set. The rounds share one cosine schedule over all the
 * steps, so the learning rate falls once, not to zero at the end of every round (the paper gives
 * no schedule for rounds).
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  KeyPatch,
  KeyPatchFile,
  ScoresInfo,
  SelectionFile,
  SynthIndex,
  SynthSample,
} from '../../shared/artifacts';
import { ARTIFACTS, selectionFile } from '../../shared/artifacts';
import type { CommandArgs, CommandResult } from '../../shared/commands';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import { synthIndexFile } from '../../shared/run/layout';
import { isSampleId } from '../../shared/run/names';
import { resolveInRun } from '../../shared/run/node/contain';
import { findSynth } from '../../shared/run/node/synthFiles';
import { selectBackend } from '../backends/select';
import type { CommandContext } from '../command';
import { UsageError } from '../command';
import type { PoolCache } from '../data/cache';
import { openCache } from '../data/cache';
import { checkpointDir, discardCheckpoints, latestCheckpoint } from '../model/checkpoint';
import { maeConfig, MaeModel } from '../model/mae';
import { resolveScoringWorkers, scorePool, scorePoolBoxes, type ScoringThreads } from '../model/parallelScoring';
import { pretrain, type PretrainOptions, type PretrainResult } from '../model/pretrain';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import { fitInputFree, type PoolScores, type ScoreOptions } from '../model/scoring';
import { runStage } from '../runStage';
import type { SelectionMethod } from '../selection/methods';
import { adversarialFor, buildCompactSet, type AdversarialSettings, type CompactSet } from './compactSet';
import { pretrainOptions } from './pretrainStage';
import { proposeAutoPatches } from './proposeStage';
import {
  curated,
  lastSelectedMethod,
  readBalanceColumn,
  readF32,
  readSelection,
  readSelectionInput,
} from './runArtifacts';
import { selectStage } from './selectStage';
import { loadFoundation, runRecordOrUndefined } from './stageSettings';
import { madeFrom, synthesizeStage } from './synthesizeStage';

export interface TrainStageOptions {
  method: SelectionMethod;
  pretrain: PretrainOptions;
  rounds: number;
  adversarial: AdversarialSettings;
  masks: number;
}

export interface TrainStageResult extends PretrainResult {
  samples: number;
  generated: number;
  rounds: number;
}

/** The foundation run's checkpoint state, as far as equal compute needs it. */
export interface FoundationRecord {
  dir: string;
  step: number;
  options: Record<string, unknown>;
}

/**
 * Equal compute with the full-pool run this training is compared with: its optimiser steps and
 * batch size are those recorded in the foundation checkpoint (checkpoints/pretrain), unless the
 * command line says otherwise, and the returned note says which, for the log.
 */
export function equalComputeSettings(
  foundation: FoundationRecord | undefined,
  asked: { steps?: number; batchSize?: number },
): { steps?: number; batchSize?: number; note: string } {
  const recorded = (key: 'steps' | 'batchSize') =>
    typeof foundation?.options[key] === 'number' ? (foundation.options[key] as number) : undefined;
  if (!foundation || recorded('steps') === undefined) {
    return {
      ...asked,
      note: "no foundation checkpoint (checkpoints/pretrain) to take the steps from: the config's or the default; equal compute with a full-pool run holds only if it used the same",
    };
  }
  const steps = asked.steps ?? recorded('steps');
  const batchSize = asked.batchSize ?? recorded('batchSize');
  const unfinished = foundation.step < recorded('steps')! ? ` (it has run ${foundation.step} of them so far)` : '';
  const overridden =
    (asked.steps !== undefined && asked.steps !== recorded('steps')) ||
    (asked.batchSize !== undefined && asked.batchSize !== recorded('batchSize'));
  const source = `the foundation checkpoint ${foundation.dir} recorded ${recorded('steps')} steps of ${recorded('batchSize')}${unfinished}`;
  return {
    steps,
    batchSize,
    note: overridden
      ? `NOT equal compute: ${source}, the command line asks ${steps} of ${batchSize}`
      : `equal compute: ${source}, and this training takes the same`,
  };
}

export async function trainStage(
  runDir: string,
  model: MaeModel,
  cache: PoolCache,
  options: TrainStageOptions,
  ctx: CommandContext,
): Promise<TrainStageResult> {
  let set = await compactSet(runDir, options.method, cache, options.adversarial, ctx);
  let result: PretrainResult | undefined;
  for (let round = 0; round < options.rounds; round++) {
    if (round > 0) {
      ctx.log(
        'info',
        `train: collaborative round ${round + 1} of ${options.rounds}: re-scoring the pool with the model being trained`,
      );
      set = await reselect(runDir, model, cache, options, ctx);
    }
    const roundEnd = Math.round((options.pretrain.steps * (round + 1)) / options.rounds);
    result = await pretrain(
      model,
      { ids: set.ids, cache, extra: set.extra },
      options.pretrain,
      runDir,
      'train',
      ctx,
      roundEnd,
    );
  }
  return { ...result!, samples: set.ids.length, generated: set.generated, rounds: options.rounds };
}

/**
 * The compact set of `method` (pipeline/compactSet.ts): synth/<method>/ when it was made from this
 * selection as it is now (same method, same selection file, same hand curation), else built now
 * with the foundation model and not written, so training never takes another selection's samples.
 */
export async function compactSet(
  runDir: string,
  method: string,
  cache: PoolCache,
  adversarial: AdversarialSettings,
  ctx: CommandContext,
): Promise<TrainingMembers> {
  // findSynth first: it refuses a method that is not a selection method before any file is read.
  const files = await findSynth(runDir, method);
  const selection = await readSelection(runDir, method, cache.size);
  const index = files ? ((await readJsonFile(resolveInRun(runDir, files.index))) as SynthIndex) : undefined;
  const stale = staleness(index, files?.index ?? synthIndexFile(method), selection, cache.size);
  if (!stale) {
    if (index!.imageSize !== cache.imageSize)
      throw new Error(
        `${path.join(runDir, files!.index)}: generated samples are ${index!.imageSize} px but the pool is ${cache.imageSize} px; run "optidel synthesize --method ${method}" again`,
      );
    const generated = index!.samples.length;
    const extra = generated
      ? await readF32(
          resolveInRun(runDir, files!.samples),
          generated * cache.imageSize ** 2,
          `optidel synthesize --run ${runDir} --method ${method}`,
        )
      : undefined;
    return { ids: index!.pool!, extra, generated, samples: index!.samples };
  }
  ctx.log('info', `train: ${stale}; building the ${method} compact set now (synth/ is left as it is)`);
  const input = await readSelectionInput(runDir);
  const model = adversarial.fraction > 0 ? await loadFoundation(runDir) : undefined;
  try {
    const set = await buildCompactSet(selection, input.keyPatches ?? [], input.sources, cache, model, {
      adversarial,
      seed: selection.seed,
      signal: ctx.signal,
    });
    return membersOf(set);
  } finally {
    model?.dispose();
  }
}

/** Why `file` (run-relative) is not this selection's compact set, or undefined when it is. */
function staleness(
  index: SynthIndex | undefined,
  file: string,
  selection: SelectionFile,
  poolSize: number,
): string | undefined {
  if (!index) return `no ${file}`;
  if (!index.madeFrom || !index.pool) return `${file} predates compact-set records`;
  // A hand-edited index must not choose what trains: its pool members must be this selection's own.
  const chosen = new Set(curated(selection).ids);
  const pool = index.pool as unknown;
  if (
    !Array.isArray(pool) ||
    new Set(pool).size !== pool.length ||
    !pool.every((id) => isSampleId(id) && id < poolSize && chosen.has(id))
  )
    return `${file}'s pool members are not samples of this selection`;
  // Generated ids are numbered after the pool (compactSet.ts) and become file names (export's images/): never a path.
  const samples = index.samples as unknown;
  if (
    !Array.isArray(samples) ||
    !samples.every((s: Partial<SynthSample> | null) => isSampleId(s?.id) && s!.id! >= poolSize)
  )
    return `${file}'s generated samples are not numbered after the pool`;
  if (index.madeFrom.method !== selection.method) return `${file} holds the ${index.madeFrom.method} compact set`;
  if (JSON.stringify(index.madeFrom) !== JSON.stringify(madeFrom(selection)))
    return `${selectionFile(selection.method)} changed after ${file} was made`;
  return undefined;
}

export interface TrainingMembers {
  ids: number[];
  extra?: Float32Array;
  generated: number;
  /** What each generated sample is, in the order of `extra`. */
  samples: SynthSample[];
}

function membersOf(set: CompactSet): TrainingMembers {
  return {
    ids: set.ids,
    extra: set.samples.length ? set.pixels : undefined,
    generated: set.samples.length,
    samples: set.samples,
  };
}

async function reselect(
  runDir: string,
  model: MaeModel,
  cache: PoolCache,
  options: TrainStageOptions,
  ctx: CommandContext,
) {
  const input = await readSelectionInput(runDir);
  const all = Array.from({ length: cache.size }, (_, i) => i);
  // The run's difficulty score (scores.json), and for pvi the pool's input-free predictor, as score and propose used.
  const { difficulty } = (await readJsonFile(path.join(runDir, ARTIFACTS.scores))) as ScoresInfo;
  const inputFree =
    difficulty === 'pvi' ? await fitInputFree(cache, all, model.config.patchSize, options.pretrain.seed) : undefined;
  const scoring = {
    masks: options.masks,
    seed: options.pretrain.seed,
    batchSize: 64,
    difficulty,
    inputFree,
    signal: ctx.signal,
  };
  const threads: ScoringThreads = {
    workers: resolveScoringWorkers(options.pretrain.workers, tf.getBackend(), 'train'),
    runDir,
  };
  const scores = await scorePool(
    model,
    cache,
    all,
    { ...scoring, onProgress: (done, total) => ctx.progress('train: re-score', done, total) },
    threads,
  );
  const keyPatches = await reproposed(runDir, model, cache, scores, scoring, threads, ctx);
  const previous = await readSelection(runDir, options.method, cache.size);
  const selection = await selectStage(
    runDir,
    { ...input, embeddings: scores.embeddings, dim: scores.embeddingDim, difficulty: scores.difficulty, keyPatches },
    cache,
    model,
    {
      ...previous.options,
      method: options.method,
      budget: previous.budget,
      seed: previous.seed,
      masks: options.masks,
      // Balanced the first time, balanced again: the column as ingest keeps it now.
      balance: previous.options?.balanceBy ? await readBalanceColumn(runDir, previous.options.balanceBy) : undefined,
    },
    ctx,
  );
  const synth = await synthesizeStage(
    runDir,
    selection,
    keyPatches ?? [],
    input.sources,
    cache,
    model,
    { seed: previous.seed, adversarial: options.adversarial },
    ctx,
  );
  return membersOf(synth.set);
}

/**
 * Key patches proposed again from the model in training: our windows from its fresh patch errors
 * (the way the propose stage made them, patches/key-patches.json's `windows`), the user's boxes
 * kept, every box scored by that model; written back so the selection's patch ids name them.
 * Undefined when the run has no key patches (a selection without them).
 */
async function reproposed(
  runDir: string,
  model: MaeModel,
  cache: PoolCache,
  scores: PoolScores,
  scoring: Omit<ScoreOptions, 'onProgress'>,
  threads: ScoringThreads,
  ctx: CommandContext,
): Promise<KeyPatch[] | undefined> {
  const file = path.join(runDir, ARTIFACTS.keyPatches);
  if (!fs.existsSync(file)) return undefined;
  const before = (await readJsonFile(file)) as KeyPatchFile;
  const ours = before.windows
    ? await proposeAutoPatches(cache, scores.patchErrors, scores.patchesPerSide, before.windows, ctx, {
        progressStage: 'train: re-propose',
      })
    : [];
  const users = before.patches.filter((p) => p.origin === 'user');
  const patches = [...ours, ...users].map((p, id) => ({ ...p, id }));
  const difficulty = await scorePoolBoxes(model, cache, patches, scoring, threads);
  patches.forEach((p, i) => (p.difficulty = difficulty[i]));
  const proposer = `${before.proposer.replace(/; re-proposed .*$/, '')}; re-proposed in a collaborative round with the model in training`;
  await writeJsonAtomic(file, { ...before, proposer, patches } satisfies KeyPatchFile);
  ctx.log(
    'info',
    `train: ${ours.length} key patches proposed again from the model in training, ${users.length} of the user's kept`,
  );
  return patches;
}

/** `optidel train` in a run folder (its lock, its status in run.json, its artifacts): called by the command, the pipeline and the benchmark alike. */
export async function runTrainStage(args: CommandArgs<'train'>, ctx: CommandContext): Promise<CommandResult<'train'>> {
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
}
