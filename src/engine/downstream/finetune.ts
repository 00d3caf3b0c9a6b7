/**
 * Fine-tunes a segmentation head on a pre-trained encoder and scores it on the test split.
 *
 * Two modes measure two different things:
 * - `probe`: the encoder is frozen and only the head learns. Its tokens are computed once per
 *   split, so a probe costs little; it measures what pre-training put into the features.
 * - `full`: encoder and head learn together (encoder at a lower learning rate). The papers report
 *   this; it measures pre-training as an initialisation.
 * Early stopping: the validation split is scored every `evalEvery` steps, the weights of the best
 * validation mIoU are kept, and training stops after `patience` evaluations without improvement.
 * The encoder's weights are restored when done, so one loaded encoder serves every dataset.
 */
import * as tf from '@tensorflow/tfjs';
import { letCancelIn, throwIfCancelled } from '../command';
import { ConfusionMatrix, scoresFromConfusion, type SegmentationScores } from './metrics';
import { classWeights, segmentationLoss } from './loss';
import type { HeadKind } from '../../shared/commands';
import { createHead, type SegmentationHead } from './segHead';
import { SeededRandom } from '../data/random';

/** What fine-tuning needs of an encoder; `MaeModel` provides it. */
export interface PatchEncoder {
  readonly config: { imageSize: number; patchSize: number; dim: number };
  /** Tokens of every patch, [B, patches, dim], differentiable w.r.t. `encoderVariables`. */
  encode(images: tf.Tensor4D): tf.Tensor3D;
  readonly encoderVariables: tf.Variable[];
}

/** The labelled splits fine-tuning reads; `SegmentationDataset` of the data module provides them. */
export interface LabelledSplit {
  count: number;
  /** count * imageSize² pixels in [0, 1]. */
  images: Float32Array;
  /** count * imageSize² class ids. */
  labels: Uint8Array;
}
export interface LabelledData {
  name: string;
  imageSize: number;
  classes: string[];
  train: LabelledSplit;
  val: LabelledSplit;
  test: LabelledSplit;
}

export type FineTuneMode = 'probe' | 'full';

export interface FineTuneOptions {
  mode: FineTuneMode;
  head: HeadKind;
  /** Most optimiser steps; early stopping may end sooner. */
  steps: number;
  batchSize: number;
  /** Learning rate of the head (Adam). */
  lr: number;
  /** Learning rate of the encoder in `full` mode (Adam). */
  encoderLr: number;
  evalEvery: number;
  /** Evaluations without a better validation mIoU before stopping, counted only in the second half of the steps. */
  patience: number;
  diceWeight: number;
  seed: number;
}

export const DEFAULT_FINETUNE: FineTuneOptions = {
  mode: 'full',
  // Not the papers' 'mlp': at 32 px with 8 px patches its one logit per patch capped every IoU (docs/benchmark.md).
  head: 'pixel',
  steps: 300,
  batchSize: 8,
  lr: 1e-3,
  encoderLr: 2e-4,
  evalEvery: 25,
  patience: 4,
  diceWeight: 1,
  seed: 0,
};

/** Bumped whenever fine-tuning changes in a way that changes its numbers: finished benchmark cells of another version are recomputed. */
export const FINETUNE_VERSION = 3;

/** Head learning rate of a frozen-encoder probe: with nothing else learning, 1e-3 was too slow to leave "all background" within a few hundred steps on the demo data. */
export const PROBE_LR = 1e-2;

export interface FineTuneResult {
  mode: FineTuneMode;
  head: HeadKind;
  stepsRun: number;
  bestStep: number;
  val: SegmentationScores;
  test: SegmentationScores;
  classes: string[];
  seconds: number;
  /** Predicted label maps of the first `keepPredictions` test images (count * imageSize² class ids). */
  predictions?: Uint8Array;
}

export interface FineTuneHooks {
  signal: AbortSignal;
  /** Keep the predictions of this many test images (for the segmentation results view). */
  keepPredictions?: number;
  onStep?(step: number, steps: number, loss: number): void;
  onEval?(step: number, valMIoU: number): void;
}

export async function fineTune(
  encoder: PatchEncoder,
  data: LabelledData,
  options: FineTuneOptions,
  hooks: FineTuneHooks,
): Promise<FineTuneResult> {
  const start = performance.now();
  const { imageSize, classes } = { imageSize: data.imageSize, classes: data.classes.length };
  if (encoder.config.imageSize !== imageSize) {
    throw new Error(
      `dataset "${data.name}" has ${imageSize}px images but the encoder expects ${encoder.config.imageSize}px; set the same imageSize in optidel.json`,
    );
  }
  if (data.train.count === 0) throw new Error(`dataset "${data.name}" has no training images`);
  const grid = imageSize / encoder.config.patchSize;
  const head = createHead(options.head, { dim: encoder.config.dim, grid, imageSize, classes }, options.seed);
  const trainEncoder = options.mode === 'full';
  const encoderStart = encoder.encoderVariables.map((v) => tf.keep(v.clone()));
  const splits = {
    train: toTensors(data.train, imageSize),
    val: toTensors(data.val, imageSize),
    test: toTensors(data.test, imageSize),
  };
  // A frozen encoder gives the same tokens every time: compute them once per split.
  const frozen = trainEncoder
    ? undefined
    : standardised({
        train: encodeAll(encoder, splits.train.images),
        val: encodeAll(encoder, splits.val.images),
        test: encodeAll(encoder, splits.test.images),
      });
  const weights = tf.tensor1d(classWeights(data.train.labels, classes));
  const headOptimizer = tf.train.adam(options.lr);
  const encoderOptimizer = trainEncoder ? tf.train.adam(options.encoderLr) : undefined;
  const trainable = [...head.variables, ...(trainEncoder ? encoder.encoderVariables : [])];
  const headNames = new Set(head.variables.map((v) => v.name));
  // The validation scores of the best step are the ones its restored weights get: kept, not computed again.
  let best: { step: number; mIoU: number; weights: tf.Tensor[]; val?: SegmentationScores } = {
    step: 0,
    mIoU: -Infinity,
    weights: snapshot(trainable),
  };
  const random = new SeededRandom(options.seed);
  let stepsRun = 0;
  let sinceBest = 0;
  try {
    for (let step = 1; step <= options.steps; step++) {
      throwIfCancelled(hooks.signal);
      // Batches are gathered outside the gradient: the gradient of tf.gather needs a kernel wasm lacks.
      const batch = tf.tidy(() => {
        const ids = tf.tensor1d(sampleBatch(data.train.count, options.batchSize, random), 'int32');
        return {
          images: splits.train.images.gather(ids),
          labels: splits.train.labels.gather(ids),
          tokens: frozen?.train.gather(ids),
        };
      });
      const { value, grads } = tf.variableGrads(() => {
        const tokens = batch.tokens ?? encoder.encode(batch.images);
        return segmentationLoss(head.apply(tokens, batch.images), batch.labels, weights, options.diceWeight);
      }, trainable);
      headOptimizer.applyGradients(pick(grads, (name) => headNames.has(name)));
      if (encoderOptimizer) encoderOptimizer.applyGradients(pick(grads, (name) => !headNames.has(name)));
      const loss = (await value.data())[0];
      tf.dispose([batch.images, batch.labels, ...(batch.tokens ? [batch.tokens] : []), value, grads]);
      stepsRun = step;
      hooks.onStep?.(step, options.steps, loss);
      if (step % options.evalEvery !== 0 && step !== options.steps) continue;
      // Without a validation split, the last step is the best one.
      const val = data.val.count > 0 ? await evaluate(encoder, head, splits.val, frozen?.val, classes) : undefined;
      const valMIoU = val ? orZero(val.mIoU) : step;
      hooks.onEval?.(step, valMIoU);
      if (valMIoU > best.mIoU) {
        tf.dispose(best.weights);
        best = { step, mIoU: valMIoU, weights: snapshot(trainable), val };
        sinceBest = 0;
        // Small structures often stay at IoU 0 for the first evaluations: no stopping in the first half.
      } else if (++sinceBest >= options.patience && step >= options.steps / 2) break;
      await letCancelIn();
    }
    trainable.forEach((v, i) => v.assign(best.weights[i]));
    return {
      mode: options.mode,
      head: options.head,
      stepsRun,
      bestStep: best.step,
      val: best.val ?? (await evaluate(encoder, head, splits.val, frozen?.val, classes)),
      test: await evaluate(encoder, head, splits.test, frozen?.test, classes),
      predictions: hooks.keepPredictions
        ? await predict(encoder, head, splits.test, frozen?.test, Math.min(hooks.keepPredictions, data.test.count))
        : undefined,
      classes: data.classes,
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    encoder.encoderVariables.forEach((v, i) => v.assign(encoderStart[i]));
    tf.dispose([
      ...encoderStart,
      ...best.weights,
      weights,
      ...Object.values(splits).flatMap((s) => [s.images, s.labels]),
      ...(frozen ? Object.values(frozen) : []),
    ]);
    headOptimizer.dispose();
    encoderOptimizer?.dispose();
    head.dispose();
  }
}

function toTensors(split: LabelledSplit, size: number): { images: tf.Tensor4D; labels: tf.Tensor3D } {
  if (split.images.length !== split.count * size * size || split.labels.length !== split.count * size * size) {
    throw new Error(
      `a split of ${split.count} images of ${size}px needs ${split.count * size * size} pixels and labels, got ${split.images.length} and ${split.labels.length}`,
    );
  }
  return {
    images: tf.tensor4d(split.images, [split.count, size, size, 1]),
    labels: tf.tensor3d(Int32Array.from(split.labels), [split.count, size, size], 'int32'),
  };
}

const EVAL_BATCH = 16;

/**
 * Frozen tokens standardised per feature with the training split's mean and deviation, as the MAE
 * paper's linear probe does (a BatchNorm without affine). Without it the probe's head, at the
 * learning rate it needs, sometimes collapsed to "all background" for a whole run (seen on the demo
 * data: chest X-ray, full-data encoder, seed 2).
 */
function standardised(tokens: { train: tf.Tensor3D; val: tf.Tensor3D; test: tf.Tensor3D }): {
  train: tf.Tensor3D;
  val: tf.Tensor3D;
  test: tf.Tensor3D;
} {
  const out = tf.tidy(() => {
    const { mean, variance } = tf.moments(tokens.train, [0, 1]);
    const scale = tf.rsqrt(variance.add(1e-6));
    const apply = (t: tf.Tensor3D) => t.sub(mean).mul(scale) as tf.Tensor3D;
    return { train: apply(tokens.train), val: apply(tokens.val), test: apply(tokens.test) };
  });
  tf.dispose([tokens.train, tokens.val, tokens.test]);
  return out;
}

function encodeAll(encoder: PatchEncoder, images: tf.Tensor4D): tf.Tensor3D {
  const count = images.shape[0];
  if (count === 0) return tf.zeros([0, 1, encoder.config.dim]);
  const parts: tf.Tensor3D[] = [];
  for (let i = 0; i < count; i += EVAL_BATCH)
    parts.push(tf.tidy(() => encoder.encode(images.slice(i, Math.min(EVAL_BATCH, count - i)))));
  const all = tf.concat(parts, 0);
  tf.dispose(parts);
  return all;
}

/** Scores the head (and encoder) on a split, pixel by pixel over the whole split. */
async function evaluate(
  encoder: PatchEncoder,
  head: SegmentationHead,
  split: { images: tf.Tensor4D; labels: tf.Tensor3D },
  tokens: tf.Tensor3D | undefined,
  classes: number,
): Promise<SegmentationScores> {
  const matrix = new ConfusionMatrix(classes);
  const count = split.images.shape[0];
  for (let i = 0; i < count; i += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, count - i);
    const truth = split.labels.slice(i, n);
    matrix.add(await truth.data(), await predictBatch(encoder, head, split, tokens, i, n));
    truth.dispose();
  }
  return scoresFromConfusion(matrix);
}

/** Label maps of the first `count` images of a split. */
async function predict(
  encoder: PatchEncoder,
  head: SegmentationHead,
  split: { images: tf.Tensor4D },
  tokens: tf.Tensor3D | undefined,
  count: number,
): Promise<Uint8Array> {
  const size = split.images.shape[1];
  const out = new Uint8Array(count * size * size);
  for (let i = 0; i < count; i += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, count - i);
    out.set(await predictBatch(encoder, head, split, tokens, i, n), i * size * size);
  }
  return out;
}

async function predictBatch(
  encoder: PatchEncoder,
  head: SegmentationHead,
  split: { images: tf.Tensor4D },
  tokens: tf.Tensor3D | undefined,
  start: number,
  n: number,
): Promise<Int32Array> {
  const predicted = tf.tidy(() => {
    const images = split.images.slice(start, n);
    return head.apply(tokens ? tokens.slice(start, n) : encoder.encode(images), images).argMax(-1);
  });
  const values = (await predicted.data()) as Int32Array;
  predicted.dispose();
  return values;
}

function snapshot(variables: tf.Variable[]): tf.Tensor[] {
  return variables.map((v) => tf.keep(v.clone()));
}

function pick(grads: tf.NamedTensorMap, keep: (name: string) => boolean): Array<{ name: string; tensor: tf.Tensor }> {
  return Object.entries(grads)
    .filter(([name]) => keep(name))
    .map(([name, tensor]) => ({ name, tensor }));
}

function sampleBatch(count: number, size: number, random: SeededRandom): number[] {
  return Array.from({ length: size }, () => random.int(count));
}

function orZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
