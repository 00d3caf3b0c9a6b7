/**
 * The train stage: pre-trains a fresh MAE of the foundation model's shape on the compact set
 * (curated selected samples + generated samples) with equal compute: the optimiser steps of the
 * full-pool run (checkpoints/train, resumable).
 *
 * Collaborative optimisation (collaborativeRounds.ts), optional: with R > 1 rounds, between the
 * rounds the pool is re-scored with the model being trained, re-selected (with the options the
 * selection was made with, written to selection/) and the samples re-generated (synth/), and
 * training continues on the new compact set.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatchFile, ScoresInfo, SelectionFile, SynthIndex, SynthSample } from '../../shared/artifacts';
import { ARTIFACTS, selectionFile } from '../../shared/artifacts';
import type { CommandArgs, CommandResult } from '../../shared/commands';
import { readJsonFile } from '../../shared/node/atomicFile';
import { readKeyPatchesFile, writeKeyPatchesFile } from '../../shared/node/keyPatchesFile';
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
import { pretrain, type PretrainOptions, type PretrainResult } from '../model/pretrain';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import type { Ort } from '../onnx/onnxruntime';
import { stageRuntime } from '../onnx/scoreRuntime';
import { runStage } from '../runStage';
import type { SelectionMethod } from '../selection/methods';
import { adversarialFor, buildCompactSet, type AdversarialSettings, type CompactSet } from './compactSet';
import { pretrainOptions } from './pretrainStage';
import { rescoredInput, trainInRounds } from './collaborativeRounds';
import {
  curated,
  lastSelectedMethod,
  readBalanceColumn,
  readF32,
  readSelection,
  readSelectionInput,
} from './runArtifacts';
import { reselectionOptions, selectStage } from './selectStage';
import { loadFoundation, runRecordOrUndefined } from './stageSettings';
import { madeFrom, synthesizeStage } from './synthesizeStage';

export interface TrainStageOptions {
  method: SelectionMethod;
  pretrain: PretrainOptions;
  rounds: number;
  adversarial: AdversarialSettings;
  masks: number;
  /** onnxruntime-node, when it re-scores the pool between rounds; else TensorFlow.js. */
  ort?: Ort;
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
  const { result, set } = await trainInRounds(
    await compactSet(runDir, options.method, cache, options.adversarial, ctx),
    {
      rounds: options.rounds,
      steps: options.pretrain.steps,
      train: (members, until) =>
        pretrain(
          model,
          { ids: members.ids, cache, extra: members.extra },
          options.pretrain,
          runDir,
          'train',
          ctx,
          until,
        ),
      reselect: () => reselect(runDir, model, cache, options, ctx),
    },
    ctx,
    'train',
  );
  return { ...result, samples: set.ids.length, generated: set.generated, rounds: options.rounds };
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
  const input = await readSelectionInput(runDir, (message) => ctx.log('warn', message));
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
  const keyPatchFile = path.join(runDir, ARTIFACTS.keyPatches);
  const before = fs.existsSync(keyPatchFile)
    ? await readKeyPatchesFile(runDir, ARTIFACTS.keyPatches, { warn: (message) => ctx.log('warn', message) })
    : undefined;
  const { difficulty } = (await readJsonFile(path.join(runDir, ARTIFACTS.scores))) as ScoresInfo;
  const { input, proposed } = await rescoredInput(
    model,
    cache,
    await readSelectionInput(runDir, (message) => ctx.log('warn', message)),
    before,
    {
      difficulty,
      masks: options.masks,
      seed: options.pretrain.seed,
      workers: options.pretrain.workers,
      stage: 'train',
      ort: options.ort,
    },
    ctx,
  );
  // Written back so the selection's patch ids name them.
  if (before && input.keyPatches) {
    const proposer = `${before.proposer.replace(/; re-proposed .*$/, '')}; re-proposed in a collaborative round with the model in training`;
    await writeKeyPatchesFile(runDir, ARTIFACTS.keyPatches, {
      ...before,
      proposer,
      patches: input.keyPatches,
    } satisfies KeyPatchFile);
    ctx.log(
      'info',
      `train: ${proposed} key patches proposed again from the model in training, ${input.keyPatches.length - proposed} of the user's kept`,
    );
  }
  const previous = await readSelection(runDir, options.method, cache.size);
  const selection = await selectStage(
    runDir,
    input,
    cache,
    model,
    {
      ...reselectionOptions(previous),
      method: options.method,
      masks: options.masks,
      // Balanced the first time, balanced again: the column as ingest keeps it now.
      balance: previous.options?.balanceBy ? await readBalanceColumn(runDir, previous.options.balanceBy) : undefined,
    },
    ctx,
  );
  const synth = await synthesizeStage(
    runDir,
    selection,
    input.keyPatches ?? [],
    input.sources,
    cache,
    model,
    { seed: previous.seed, adversarial: options.adversarial },
    ctx,
  );
  return membersOf(synth.set);
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
  // Only rounds re-score: one round needs no runtime, nor onnxruntime-node installed.
  const rescoring = rounds > 1 ? stageRuntime('train', args.runtime, settings) : undefined;
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
          ort: rescoring?.ort,
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
          ...(rescoring ? { runtime: rescoring.runtime } : {}),
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
      ...(rescoring ? { runtime: rescoring.runtime } : {}),
      checkpoint: checkpointDir(runDir, 'train'),
    };
  } finally {
    model.dispose();
    await cache.close();
  }
}
