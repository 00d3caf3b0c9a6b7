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
import { readKeyPatchesFile } from '../../shared/node/keyPatchesFile';
import type { DifficultyScore, OptidelImages } from '../../shared/commands';
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
import { selectSubset, type SelectionInput, type SelectionResult } from '../selection/methods';
import { runProposeStage } from '../pipeline/proposeStage';
import { runScoreStage, SCORE_DEFAULTS } from '../pipeline/scoreStage';
import { rescoredInput } from '../pipeline/collaborativeRounds';
import { runRecordOrUndefined } from '../pipeline/stageSettings';
import { resolveDifficulty } from '../model/scoring';
import { checkpointName, encoderSignature, poolIds, type SelectTraining, type TrainingSet } from './encoders';
import { BENCH_METHOD_HINT, generationOf, selectorOf } from './benchMethods';
import { withDifficulty } from './difficultyVariants';
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
  /** Trains the foundation model and scores the pool (and the difficulty variants `methods` ask for) now: benchmark workers then find them done. */
  prepare(methods: readonly string[], ctx: CommandContext): Promise<void>;
}

export function pipelineSelection(options: SelectionSourceOptions): PipelineSelection {
  const inputs = new Map<DifficultyScore | 'pool', Promise<SelectionInput>>();
  /** The pool's scores, or those of another difficulty (each computed once; a cancelled one is retried next time). */
  const scoredPool = (ctx: CommandContext, difficulty?: DifficultyScore): Promise<SelectionInput> => {
    const key = difficulty ?? 'pool';
    let input = inputs.get(key);
    if (!input) {
      input = difficulty ? variantInput(difficulty, ctx) : scorePool(options, ctx);
      inputs.set(key, input);
    }
    return input.catch((err) => {
      inputs.delete(key);
      throw err;
    });
  };
  const variantInput = async (difficulty: DifficultyScore, ctx: CommandContext): Promise<SelectionInput> => {
    const base = await scoredPool(ctx);
    // scorePool leaves the pool scored by the run's difficulty: that arm is the pool's input as it is.
    if ((await poolDifficulty(options.poolRun)) === difficulty) return base;
    return withDifficulty(
      base,
      difficulty,
      {
        run: options.poolRun,
        cache: options.cache,
        foundationDir: checkpointDir(options.poolRun, FOUNDATION_CHECKPOINT),
        foundationSignature: foundationSignature(options),
      },
      ctx,
    );
  };
  const training: SelectTraining = async (method, seed, budget, ctx): Promise<TrainingSet> => {
    const selector = selectorOf(method);
    if (!selector) throw new Error(`bench: "${method}" is not a selection method (${BENCH_METHOD_HINT})`);
    // OptiDEL's compact set: its mosaics, a fraction hardened (generation (a) and (b)); the 'selected'
    // ablation leaves out both steps of generation, the 'rounds' one chooses again between rounds (c).
    const generation = generationOf(selector, {
      images: options.optidelImages ?? 'mosaics',
      adversarialFraction: options.adversarial.fraction,
    });
    const adversarial = { ...options.adversarial, fraction: generation.adversarialFraction };
    const generates = selector.method === 'optidel' && generation.images !== 'selected';
    /** The selection from `input` and its compact set, hardened by `hardener` (the model that scored `input`). */
    const compactFrom = async (input: SelectionInput, hardener: MaeModel | undefined, ctx: CommandContext) => {
      const result = withoutExcluded(
        selectSubset(selector.method, input, { budget, seed }),
        input,
        options.excluded,
        ctx,
      );
      const set = await buildCompactSet(
        { method: selector.method, selected: result.selected, patches: result.patches },
        input.keyPatches ?? [],
        input.sources,
        options.cache,
        hardener,
        { images: generation.images, adversarial, seed, signal: ctx.signal },
      );
      const hardened = set.samples.filter((s) => s.hardened !== undefined).length;
      ctx.log(
        'info',
        `bench: ${method} (seed ${seed}) trains on ${compactSetSize(set)} images: ${set.ids.length} pool images as they are${result.patches ? ` and ${set.samples.length} generated from ${result.patches.length} key patches` : ''}${hardened ? `, ${hardened} hardened adversarially` : ''}`,
      );
      return { ids: set.ids, extra: set.samples.length ? set.pixels : undefined };
    };
    const input = await scoredPool(ctx, selector.difficulty);
    const foundation =
      generates && adversarial.fraction > 0
        ? await MaeModel.load(checkpointDir(options.poolRun, FOUNDATION_CHECKPOINT))
        : undefined;
    let first: TrainingSet;
    try {
      first = await compactFrom(input, foundation, ctx);
    } finally {
      foundation?.dispose();
    }
    if (generation.rounds === 1) return first;
    // Later rounds: the pool scored and its key patches proposed again by the encoder in training,
    // which also hardens (as `optidel train --rounds`); nothing is written to the shared pool run.
    const keyPatchFile = path.join(options.poolRun, ARTIFACTS.keyPatches);
    const next = async (model: MaeModel, ctx: CommandContext): Promise<TrainingSet> => {
      const { input: rescored } = await rescoredInput(
        model,
        options.cache,
        input,
        fs.existsSync(keyPatchFile)
          ? await readKeyPatchesFile(options.poolRun, ARTIFACTS.keyPatches, {
              warn: (message) => ctx.log('warn', message),
            })
          : undefined,
        {
          difficulty: selector.difficulty ?? (await poolDifficulty(options.poolRun)),
          masks: SCORE_DEFAULTS.masks,
          seed,
          // The bench trains on one thread (commands/bench.ts); it scores on one too.
          workers: 1,
          stage: 'bench',
        },
        ctx,
      );
      return compactFrom(rescored, generates && adversarial.fraction > 0 ? model : undefined, ctx);
    };
    return { ...first, rounds: { count: generation.rounds, next } };
  };
  return {
    training,
    prepare: async (methods, ctx) => {
      const selectors = methods.map(selectorOf).filter((s) => s !== undefined);
      if (selectors.length) await scoredPool(ctx);
      for (const difficulty of new Set(selectors.map((s) => s.difficulty)))
        if (difficulty) await scoredPool(ctx, difficulty);
    },
  };
}

/** The difficulty the run's config asks for, what `optidel score` scores the pool by. */
async function poolDifficulty(poolRun: string): Promise<DifficultyScore> {
  return resolveDifficulty(undefined, await runRecordOrUndefined(poolRun));
}

/** The foundation model's inputs signature: full-data pre-training of seed 0 on every pool sample not excluded. */
function foundationSignature(options: SelectionSourceOptions): string {
  return encoderSignature(options, { ids: poolIds(options.cache.size, options.excluded) }, FOUNDATION_SEED);
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
  const signature = foundationSignature(options);
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
  // Scores by another difficulty (a user's `optidel score --difficulty` in this folder) are not the pool's.
  const difficulty = await poolDifficulty(poolRun);
  const fresh =
    info?.model.startsWith(FOUNDATION_CHECKPOINT) &&
    (info.difficulty ?? 'normalised') === difficulty &&
    info.count === cache.size &&
    stages.score?.status === 'done' &&
    scoredBy !== 'other';
  if (!fresh) await runScoreStage({ run: poolRun, checkpoint: FOUNDATION_CHECKPOINT }, ctx);
  if (!fresh || stages.propose?.status !== 'done')
    await runProposeStage({ run: poolRun, checkpoint: FOUNDATION_CHECKPOINT }, ctx);
  if (scoredBy !== 'same') await recordScoredWith(benchDir, signature);
  // The same reading as the select command's, acquisitions included.
  return readSelectionInput(poolRun, (message) => ctx.log('warn', message));
}
