/**
 * Training sets of the selection methods for the benchmark. The foundation model is the `full`
 * encoder of seed 0 (the same checkpoint, trained once): the pool is scored with it once, and every
 * method and seed selects from those scores. That is the paper's setting (a model pre-trained on
 * the pool guides the selection) and it saves one pre-training per method.
 */
import type { LoadedConfig } from '../config/loadConfig';
import type { CommandContext } from '../command';
import type { PoolCache } from '../data/cache';
import { MaeModel, type MaeConfig } from '../model/mae';
import { pretrain, type PretrainOptions } from '../model/pretrain';
import { scoreSamples, type PoolScores } from '../model/scoring';
import { selectSubset, SELECTION_METHODS, type SelectionMethod } from '../selection/methods';
import { checkpointName, type SelectTraining, type TrainingSet } from './encoders';

export interface SelectionSourceOptions {
  loaded: LoadedConfig;
  poolRun: string;
  cache: PoolCache;
  model: MaeConfig;
  pretrain: Omit<PretrainOptions, 'seed'>;
  /** Random masks averaged per sample when scoring difficulty (OPTIDEL.md: about 4). */
  masks?: number;
}

/** The seed of the foundation model: full-data pre-training of seed 0. */
export const FOUNDATION_SEED = 0;

export function pipelineSelection(options: SelectionSourceOptions): SelectTraining {
  let scores: Promise<PoolScores> | undefined;
  return async (method, seed, budget, ctx): Promise<TrainingSet> => {
    if (!(SELECTION_METHODS as readonly string[]).includes(method)) throw new Error(`bench: "${method}" is not a selection method (${SELECTION_METHODS.join(', ')})`);
    scores ??= scorePool(options, ctx);
    const pool = await scores.catch((err) => {
      scores = undefined; // a cancelled scoring is retried next time
      throw err;
    });
    const sources = options.cache.index.samples.map((s) => s.source);
    const result = selectSubset(method as SelectionMethod, { embeddings: pool.embeddings, dim: pool.embeddingDim, difficulty: pool.difficulty, sources }, { budget, seed });
    ctx.log('info', `bench: ${method} (seed ${seed}) kept ${result.selected.length} of ${options.cache.size} pool images`);
    return { ids: result.selected };
  };
}

/** Trains (or loads) the foundation model and scores the whole pool with it. */
async function scorePool(options: SelectionSourceOptions, ctx: CommandContext): Promise<PoolScores> {
  const model = MaeModel.create(options.model, FOUNDATION_SEED);
  try {
    const ids = Array.from({ length: options.cache.size }, (_, i) => i);
    await pretrain(model, { ids, cache: options.cache }, { ...options.pretrain, seed: FOUNDATION_SEED }, options.poolRun, checkpointName('full', FOUNDATION_SEED, 1), ctx);
    return await scoreSamples(model, options.cache, ids, {
      masks: options.masks ?? 4,
      seed: options.loaded.config.seed,
      batchSize: 64,
      signal: ctx.signal,
      onProgress: (done, total) => ctx.progress('score pool', done, total),
    });
  } finally {
    model.dispose();
  }
}
