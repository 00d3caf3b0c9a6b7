/**
 * Collaborative optimisation (OPTIDEL.md, generation (c)), for `optidel train --rounds` and the
 * benchmark's `optidel-rounds` arm alike: the steps are split in R parts; after each part but the
 * last, the pool is re-scored and its key patches re-proposed with the model being trained, and the
 * caller re-selects and re-generates from that. The rounds share one cosine schedule over all the
 * steps (each part trains `until` its end), so the learning rate falls once, not to zero at the end
 * of every round (the paper gives no schedule for rounds).
 */
import * as tf from '@tensorflow/tfjs';
import type { KeyPatch, KeyPatchFile } from '../../shared/artifacts';
import type { DifficultyScore } from '../../shared/commands';
import type { CommandContext } from '../command';
import type { PoolCache } from '../data/cache';
import type { MaeModel } from '../model/mae';
import { resolveScoringWorkers } from '../model/parallelScoring';
import type { PretrainResult } from '../model/pretrain';
import { fitInputFree } from '../model/scoring';
import type { Ort } from '../onnx/onnxruntime';
import { scorerOnnxBytes } from '../onnx/scorerGraph';
import { withModelScorer } from '../onnx/scoreRuntime';
import type { SelectionInput } from '../selection/methods';
import { proposeAutoPatches } from './proposeStage';

/**
 * Trains on `first` up to the end of round 1, then on each `reselect`ed set up to the end of its
 * round: round r (0-based) ends at step round(steps · (r + 1) / rounds). Returns the last round's
 * result and set.
 */
export async function trainInRounds<S>(
  first: S,
  plan: {
    rounds: number;
    steps: number;
    train: (set: S, until: number) => Promise<PretrainResult>;
    /** The set round `round` (1-based count) trains on, chosen with the model trained so far. */
    reselect: (round: number) => Promise<S>;
  },
  ctx: Pick<CommandContext, 'log'>,
  stage: string,
): Promise<{ result: PretrainResult; set: S }> {
  if (!(Number.isInteger(plan.rounds) && plan.rounds >= 1))
    throw new Error(`${stage}: rounds must be at least 1, got ${plan.rounds}`);
  let set = first;
  let result: PretrainResult | undefined;
  for (let round = 0; round < plan.rounds; round++) {
    if (round > 0) {
      ctx.log(
        'info',
        `${stage}: collaborative round ${round + 1} of ${plan.rounds}: re-scoring the pool with the model being trained`,
      );
      set = await plan.reselect(round + 1);
    }
    result = await plan.train(set, Math.round((plan.steps * (round + 1)) / plan.rounds));
  }
  return { result: result!, set };
}

export interface RescoreOptions {
  /** The difficulty score the pool was scored by (scores.json; absent in old runs: the default). */
  difficulty: DifficultyScore | undefined;
  masks: number;
  seed: number;
  /** Scoring threads as the pre-training's workers (undefined: the backend's choice). */
  workers: number | undefined;
  /** Progress stages are named `<stage>: re-score`, `<stage>: re-propose`. */
  stage: string;
  /** onnxruntime-node, when it re-scores (on the model's graph as trained so far); else TensorFlow.js. */
  ort?: Ort;
}

/**
 * The input the next round selects from: `before` (the pool's acquisitions kept) with embeddings
 * and difficulty from the model in training, and its key patches proposed again from that model's
 * patch errors (our windows, the way the propose stage made them, `keyPatchFile.windows`; the
 * user's boxes kept), every box scored by that model. Writes nothing: its `keyPatches` are what a
 * run folder's patches/key-patches.json would hold now (none when there is no key patch file);
 * `proposed` counts ours among them.
 */
export async function rescoredInput(
  model: MaeModel,
  cache: PoolCache,
  before: SelectionInput,
  keyPatchFile: KeyPatchFile | undefined,
  options: RescoreOptions,
  ctx: CommandContext,
): Promise<{ input: SelectionInput; proposed: number }> {
  const all = Array.from({ length: cache.size }, (_, i) => i);
  // For pvi, the pool's input-free predictor, as score and propose used.
  const inputFree =
    options.difficulty === 'pvi' ? await fitInputFree(cache, all, model.config.patchSize, options.seed) : undefined;
  const scoring = {
    masks: options.masks,
    seed: options.seed,
    batchSize: 64,
    difficulty: options.difficulty,
    inputFree,
    signal: ctx.signal,
  };
  const workers = resolveScoringWorkers(options.workers, tf.getBackend(), options.stage);
  // On onnxruntime, the model as trained so far: its weights have no checkpoint file yet.
  const onnx = options.ort && { ort: options.ort, graph: () => scorerOnnxBytes(model) };
  let keyPatches: KeyPatch[] | undefined;
  let proposed = 0;
  const scores = await withModelScorer(model, cache, { workers, cache: cache.layout }, onnx, async (scorer) => {
    const pool = await scorer.pool(all, {
      ...scoring,
      onProgress: (done, total) => ctx.progress(`${options.stage}: re-score`, done, total),
    });
    if (keyPatchFile) {
      const ours = keyPatchFile.windows
        ? await proposeAutoPatches(cache, pool.patchErrors, pool.patchesPerSide, keyPatchFile.windows, ctx, {
            progressStage: `${options.stage}: re-propose`,
          })
        : [];
      proposed = ours.length;
      keyPatches = [...ours, ...keyPatchFile.patches.filter((p) => p.origin === 'user')].map((p, id) => ({
        ...p,
        id,
      }));
      const difficulty = await scorer.boxes(keyPatches, scoring);
      keyPatches.forEach((p, i) => (p.difficulty = difficulty[i]));
    }
    return pool;
  });
  return {
    input: {
      ...before,
      embeddings: scores.embeddings,
      dim: scores.embeddingDim,
      difficulty: scores.difficulty,
      keyPatches,
    },
    proposed,
  };
}
