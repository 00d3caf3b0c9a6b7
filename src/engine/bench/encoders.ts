/**
 * Encoders for the benchmark from one shared pool run: the pool is ingested once, and every
 * encoder is an MAE of the same shape trained for the same number of optimiser steps (equal
 * compute) on what its method chose. `scratch` is the same MAE with no pre-training at all: the
 * row every pre-training must beat first. `full` of the first seed doubles as the foundation model
 * that selection methods score the pool with (see `selectionSource`).
 */
import * as path from 'node:path';
import type { CommandContext } from '../command';
import { MaeModel, type MaeConfig } from '../model/mae';
import { PRETRAIN_NUMERICS_VERSION, pretrain, type PretrainOptions } from '../model/pretrain';
import type { PoolCache } from '../data/cache';
import type { OptidelImages } from '../../shared/commands';
import type { EncoderFactory, PretrainedEncoder } from './runBench';
import { selectorOf } from './benchMethods';
import { claimCheckpoint, inputSignature } from './inputSignature';
import { trainInRounds } from '../pipeline/collaborativeRounds';

/** What a selection method trains on: pool ids plus generated samples (mosaics, adversarial). */
export interface TrainingSet {
  ids: number[];
  extra?: Float32Array;
  /** Collaborative rounds (pipeline/collaborativeRounds.ts): this set trains the first; `next` chooses each later one with the encoder in training. */
  rounds?: { count: number; next: (model: MaeModel, ctx: CommandContext) => Promise<TrainingSet> };
}

/** Chooses a method's training set; provided by the pipeline (score, propose, select, synthesize). */
export type SelectTraining = (
  method: string,
  seed: number,
  budget: number,
  ctx: CommandContext,
) => Promise<TrainingSet>;

export interface PoolEncoderOptions {
  poolRun: string;
  cache: PoolCache;
  model: MaeConfig;
  pretrain: Omit<PretrainOptions, 'seed'>;
  selectTraining: SelectTraining;
  /** What optidel trains on (default mosaics); other choices get their own checkpoints. */
  optidelImages?: OptidelImages;
  /** Pool samples no encoder may pre-train on (downstream test images found in the pool). */
  excluded: ReadonlySet<number>;
}

/** Every pool sample but the excluded ones. */
export function poolIds(size: number, excluded: ReadonlySet<number>): number[] {
  return Array.from({ length: size }, (_, i) => i).filter((i) => !excluded.has(i));
}

export function checkpointName(
  method: string,
  seed: number,
  budget: number,
  optidelImages: OptidelImages = 'mosaics',
): string {
  if (method === 'full') return `full-s${seed}`;
  // Checkpoints resume by name: an encoder trained on other images must never be taken for this one.
  // The ablation arms (optidel-<step>) fix their images whatever --optidel-images says.
  const selector = selectorOf(method);
  const variant =
    selector?.method === 'optidel' && !selector.generation && optidelImages !== 'mosaics'
      ? `-${optidelImages.replace('+', '-')}`
      : '';
  return `${method}${variant}-b${budget}-s${seed}`;
}

export function poolEncoderFactory(options: PoolEncoderOptions): EncoderFactory {
  return {
    async encoder(method, seed, budget, ctx): Promise<PretrainedEncoder> {
      const model = MaeModel.create(options.model, seed);
      const wrap = (steps: number, samples: number, generated: number): PretrainedEncoder => ({
        encoder: model,
        pretrainSteps: steps,
        samples,
        generated,
        dispose: () => model.dispose(),
      });
      try {
        if (method === 'scratch') return wrap(0, 0, 0);
        const set: TrainingSet =
          method === 'full'
            ? { ids: poolIds(options.cache.size, options.excluded) }
            : await options.selectTraining(method, seed, budget, ctx);
        // Resumes from checkpoints/<name>/ when present and made from the same inputs; a finished one is loaded without training.
        const name = checkpointName(method, seed, budget, options.optidelImages);
        await claimCheckpoint(options.poolRun, name, encoderSignature(options, set, seed), ctx);
        const pretrainOptions = { ...options.pretrain, seed };
        const { result, set: last } = await trainInRounds(
          set,
          {
            rounds: set.rounds?.count ?? 1,
            steps: pretrainOptions.steps,
            train: (members, until) =>
              pretrain(
                model,
                { ids: members.ids, cache: options.cache, extra: members.extra },
                pretrainOptions,
                options.poolRun,
                name,
                ctx,
                until,
              ),
            reselect: () => set.rounds!.next(model, ctx),
          },
          ctx,
          `bench: ${method} (seed ${seed})`,
        );
        const generated = last.extra ? last.extra.length / options.model.imageSize ** 2 : 0;
        return wrap(result.steps, last.ids.length, generated);
      } catch (err) {
        model.dispose();
        throw err;
      }
    },
  };
}

/** The inputs signature of an encoder trained on `set` (see `inputSignature.ts`). */
export function encoderSignature(
  options: Pick<PoolEncoderOptions, 'cache' | 'model' | 'pretrain'>,
  set: TrainingSet,
  seed: number,
): string {
  const settings = {
    numerics: PRETRAIN_NUMERICS_VERSION,
    model: options.model,
    // The bench trains on one thread (commands/bench.ts), as encoders made before --workers existed.
    pretrain: { ...options.pretrain, steps: undefined, checkpointEvery: undefined, workers: undefined },
    seed,
    // Only arms trained in rounds record them: the signatures of every other encoder stay as they were.
    ...(set.rounds ? { rounds: set.rounds.count } : {}),
  };
  return inputSignature({ pool: options.cache.contentHash, ids: set.ids, extra: set.extra, settings });
}

/** Folder of a finished encoder's checkpoint, for a selection method that needs the foundation model. */
export function foundationCheckpoint(poolRun: string, seed: number): string {
  return path.join(poolRun, 'checkpoints', checkpointName('full', seed, 1));
}
