/**
 * Training sets of the selection methods for the benchmark. The foundation model is the `full`
 * encoder of seed 0 (the same checkpoint, trained once): the pool is scored and its key patches
 * proposed with it once, by the `score` and `propose` commands themselves (so the benchmark folder
 * is also a run the embedding map, histogram and gallery can show), and every method and seed
 * selects from those scores. That is the paper's setting (a model pre-trained on the pool guides
 * the selection) and it saves one pre-training per method.
 *
 * OptiDEL trains on the mosaics of its selected key patches (our reading of the paper's figure 2):
 * B generated images made of 4B half-side crops, so it sees as many pool pixels as a method that
 * keeps B whole images. `optidelImages` can add the images the patches came from, or train on
 * those images alone (an ablation of the generation step).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScoresInfo } from '../../shared/artifacts';
import type { OptidelImages } from '../../shared/commands';
import { ARTIFACTS } from '../../shared/artifacts';
import { readJsonFile } from '../../shared/node/atomicFile';
import { readRun } from '../../shared/node/runStore';
import type { CommandContext } from '../command';
import type { PoolCache } from '../data/cache';
import { checkpointDir } from '../model/checkpoint';
import { buildCompactSet, compactSetSize, type AdversarialSettings } from '../pipeline/compactSet';
import { readSelectionInput } from '../pipeline/runArtifacts';
import { MaeModel, type MaeConfig } from '../model/mae';
import { pretrain, type PretrainOptions } from '../model/pretrain';
import {
  selectSubset,
  SELECTION_METHODS,
  type SelectionInput,
  type SelectionMethod,
  type SelectionResult,
} from '../selection/methods';
import { runProposeStage } from '../pipeline/proposeStage';
import { runScoreStage } from '../pipeline/scoreStage';
import { checkpointName, encoderSignature, poolIds, type SelectTraining, type TrainingSet } from './encoders';
import { claimCheckpoint, recordScoredWith, scoredWith } from './inputSignature';

export interface SelectionSourceOptions {
  poolRun: string;
  cache: PoolCache;
  model: MaeConfig;
  pretrain: Omit<PretrainOptions, 'seed'>;
  optidelImages?: OptidelImages;
  /** OptiDEL's adversarial hardening of its compact set, with the foundation model. */
  adversarial: AdversarialSettings;
  /** Pool samples no encoder may pre-train on: dropped from every selection after it is made. */
  excluded: ReadonlySet<number>;
}

/** The seed of the foundation model: full-data pre-training of seed 0. */
export const FOUNDATION_SEED = 0;
export const FOUNDATION_CHECKPOINT = checkpointName('full', FOUNDATION_SEED, 1);

export interface PipelineSelection {
  training: SelectTraining;
  /** Trains the foundation model and scores the pool now (benchmark workers then find both done). */
  prepare(ctx: CommandContext): Promise<void>;
}

export function isSelectionMethod(method: string): method is SelectionMethod {
  return (SELECTION_METHODS as readonly string[]).includes(method);
}

export function pipelineSelection(options: SelectionSourceOptions): PipelineSelection {
  let scored: Promise<SelectionInput> | undefined;
  const scoredPool = (ctx: CommandContext): Promise<SelectionInput> => {
    scored ??= scorePool(options, ctx);
    return scored.catch((err) => {
      scored = undefined; // a cancelled scoring is retried next time
      throw err;
    });
  };
  const training: SelectTraining = async (method, seed, budget, ctx): Promise<TrainingSet> => {
    if (!isSelectionMethod(method))
      throw new Error(`bench: "${method}" is not a selection method (${SELECTION_METHODS.join(', ')})`);
    const input = await scoredPool(ctx);
    const result = withoutExcluded(selectSubset(method, input, { budget, seed }), input, options.excluded, ctx);
    // OptiDEL's compact set: its mosaics, a fraction hardened by the foundation model (generation (a)
    // and (b)); the 'selected' ablation leaves out both steps of generation.
    const generates = method === 'optidel' && options.optidelImages !== 'selected';
    const foundation =
      generates && options.adversarial.fraction > 0
        ? await MaeModel.load(checkpointDir(options.poolRun, FOUNDATION_CHECKPOINT))
        : undefined;
    try {
      const set = await buildCompactSet(
        { method, selected: result.selected, patches: result.patches },
        input.keyPatches ?? [],
        input.sources,
        options.cache,
        foundation,
        { images: options.optidelImages, adversarial: options.adversarial, seed, signal: ctx.signal },
      );
      const hardened = set.samples.filter((s) => s.hardened !== undefined).length;
      ctx.log(
        'info',
        `bench: ${method} (seed ${seed}) trains on ${compactSetSize(set)} images: ${set.ids.length} pool images as they are${result.patches ? ` and ${set.samples.length} generated from ${result.patches.length} key patches` : ''}${hardened ? `, ${hardened} hardened adversarially` : ''}`,
      );
      return { ids: set.ids, extra: set.samples.length ? set.pixels : undefined };
    } finally {
      foundation?.dispose();
    }
  };
  return { training, prepare: async (ctx) => void (await scoredPool(ctx)) };
}

/**
 * A selection without the excluded samples (and the key patches cut from them). Selectors choose
 * from the scored pool as it is; dropping afterwards keeps them untouched, at the price of a
 * selection smaller than the budget by the number dropped, which the log says.
 */
function withoutExcluded(
  result: SelectionResult,
  input: SelectionInput,
  excluded: ReadonlySet<number>,
  ctx: CommandContext,
): SelectionResult {
  const selected = result.selected.filter((id) => !excluded.has(id));
  if (selected.length === result.selected.length) return result;
  ctx.log(
    'warn',
    `bench: ${result.selected.length - selected.length} selected image(s) are downstream test images; left out of pre-training`,
  );
  const sampleOf = new Map((input.keyPatches ?? []).map((p) => [p.id, p.sampleId]));
  return { ...result, selected, patches: result.patches?.filter((id) => !excluded.has(sampleOf.get(id) ?? -1)) };
}

/** Trains (or loads) the foundation model, then scores the pool and proposes key patches with it (each once). */
async function scorePool(options: SelectionSourceOptions, ctx: CommandContext): Promise<SelectionInput> {
  const { poolRun, cache } = options;
  const model = MaeModel.create(options.model, FOUNDATION_SEED);
  const benchDir = path.join(poolRun, ARTIFACTS.benchDir);
  const ids = poolIds(cache.size, options.excluded);
  const signature = encoderSignature(options, { ids }, FOUNDATION_SEED);
  try {
    await claimCheckpoint(poolRun, FOUNDATION_CHECKPOINT, signature, ctx);
    await pretrain(
      model,
      { ids, cache },
      { ...options.pretrain, seed: FOUNDATION_SEED },
      poolRun,
      FOUNDATION_CHECKPOINT,
      ctx,
    );
  } finally {
    model.dispose();
  }
  const info = fs.existsSync(path.join(poolRun, ARTIFACTS.scores))
    ? ((await readJsonFile(path.join(poolRun, ARTIFACTS.scores))) as ScoresInfo)
    : undefined;
  const stages = (await readRun(poolRun)).stages;
  const scoredBy = await scoredWith(benchDir, signature);
  if (scoredBy === 'other')
    ctx.log(
      'warn',
      `bench: the pool's scores were computed with a foundation model trained on other inputs; scoring again`,
    );
  const fresh =
    info?.model.startsWith(FOUNDATION_CHECKPOINT) &&
    info.count === cache.size &&
    stages.score?.status === 'done' &&
    scoredBy !== 'other';
  if (!fresh) await runScoreStage({ run: poolRun, checkpoint: FOUNDATION_CHECKPOINT }, ctx);
  if (!fresh || stages.propose?.status !== 'done')
    await runProposeStage({ run: poolRun, checkpoint: FOUNDATION_CHECKPOINT }, ctx);
  if (scoredBy !== 'same') await recordScoredWith(benchDir, signature);
  // The same reading as the select command's, acquisitions included.
  return readSelectionInput(poolRun);
}
