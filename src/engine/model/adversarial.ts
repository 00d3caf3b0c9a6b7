/**
 * Adversarial augmentation (OPTIDEL.md, generation (b)): samples made harder for the current model
 * inside a bounded set of plausible changes, so they stay pictures of anatomy. Per image, in order:
 *  1. the hardest of `candidates` random plausible transforms (gamma, contrast, elastic warp within
 *     generate/plausible.ts's bounds; the unchanged image is a candidate too), judged by the MAE's
 *     masked error with the same masks for every candidate;
 *  2. `steps` of projected gradient ascent of the MAE loss on that image's gamma and contrast;
 *  3. optionally (epsilon > 0) `steps` of projected gradient ascent on the pixels inside an
 *     L-infinity ball of radius epsilon, within [0, 1].
 * The model's weights are not changed. Step 3 is off by default: on per-patch normalised pixels it
 * mostly turns flat background into noise (issue 15).
 */
import * as tf from '@tensorflow/tfjs';
import type { MaeModel } from './mae';
import { deriveRandom, deriveSeed } from './rng';
import { letCancelIn } from '../command';
import {
  applyIntensity,
  DEFAULT_PLAUSIBLE_BOUNDS,
  describePlausible,
  drawPlausible,
  identityPlausible,
  warpImage,
  type PlausibleBounds,
  type PlausibleTransform,
} from '../generate/plausible';

export interface AdversarialOptions {
  /** Random plausible transforms tried per image, the hardest kept (0: no transforms). */
  candidates: number;
  /** Gradient ascent steps (on gamma and contrast; on pixels too when epsilon > 0). */
  steps: number;
  /** L-infinity bound on the change of any pixel (intensities in [0, 1]); 0 turns the pixel step off. */
  epsilon: number;
  /** Change per pixel step along the gradient's sign. */
  stepSize: number;
  seed: number;
  bounds?: PlausibleBounds;
  /** Images per batch (default 32). */
  batchSize?: number;
  /** Checked between batches: a cancel stops the hardening there. */
  signal?: AbortSignal;
}

export interface Hardened {
  pixels: Float32Array;
  /** What was done to each image, for the synthesis index. */
  notes: string[];
  /** Mean masked error before and after, judged with masks that neither the choice nor the ascent used. */
  meanError: { before: number; after: number };
}

/** Masks per candidate when judging transforms: enough to rank, cheap enough to try several. */
const JUDGING_MASKS = 2;
/** Masks for the before/after report, from a stream of their own. */
const REPORT_MASKS = 4;
const REPORT_STREAM = 0x5e9a;

export async function adversarialAugment(
  model: MaeModel,
  pixels: Float32Array,
  count: number,
  options: AdversarialOptions,
): Promise<Hardened> {
  const size = model.config.imageSize;
  const area = size * size;
  if (pixels.length !== count * area)
    throw new Error(`adversarialAugment: ${pixels.length} values for ${count} images of ${size}x${size}`);
  if (!(options.epsilon >= 0) || !(options.stepSize > 0) || !(options.steps >= 0) || !(options.candidates >= 0))
    throw new Error('adversarialAugment: epsilon, steps and candidates must be >= 0 and stepSize > 0');
  const bounds = options.bounds ?? DEFAULT_PLAUSIBLE_BOUNDS;
  const batchSize = options.batchSize ?? 32;
  const out = new Float32Array(pixels.length);
  const notes: string[] = [];
  let before = 0;
  let after = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    // One mask per image for all steps: the ascent follows one objective rather than noise between masks.
    const maskSeed = deriveSeed(options.seed, start);
    const images = pixels.subarray(start * area, (start + n) * area);
    const chosen = options.candidates > 0 ? await hardestTransforms(model, images, n, start, options, bounds) : [];
    let batch = chosen.length ? await ascendIntensity(model, chosen, n, maskSeed, options, bounds) : images.slice();
    if (options.epsilon > 0) batch = await ascendPixels(model, batch, n, maskSeed, options);
    out.set(batch, start * area);
    const reportSeed = deriveSeed(options.seed, REPORT_STREAM, start);
    before += await summedError(model, images, n, reportSeed);
    after += await summedError(model, batch, n, reportSeed);
    for (let i = 0; i < n; i++) {
      const parts = [chosen[i] ? describePlausible(chosen[i].transform) : ''];
      if (options.epsilon > 0) parts.push(`L-inf ${options.epsilon}, ${options.steps} steps`);
      notes.push(parts.filter(Boolean).join('; '));
    }
    await letCancelIn(options.signal);
  }
  return { pixels: out, notes, meanError: { before: before / count, after: after / count } };
}

async function summedError(model: MaeModel, pixels: Float32Array, n: number, seed: number): Promise<number> {
  const size = model.config.imageSize;
  const errors = tf.tidy(() =>
    tf.sum(model.reconstructionError(tf.tensor4d(pixels, [n, size, size, 1]), { masks: REPORT_MASKS, seed })),
  );
  const value = (await errors.data())[0];
  errors.dispose();
  return value;
}

interface Candidate {
  /** The warped image (gamma and contrast are applied on top of it). */
  base: Float32Array;
  transform: PlausibleTransform;
}

/** Per image, the candidate transform with the largest masked error (the identity is candidate 0). */
async function hardestTransforms(
  model: MaeModel,
  images: Float32Array,
  n: number,
  start: number,
  options: AdversarialOptions,
  bounds: PlausibleBounds,
): Promise<Candidate[]> {
  const size = model.config.imageSize;
  const area = size * size;
  const k = options.candidates + 1;
  const candidates: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const image = images.subarray(i * area, (i + 1) * area);
    for (let c = 0; c < k; c++) {
      const transform =
        c === 0 ? identityPlausible() : drawPlausible(deriveRandom(options.seed, start + i, c), size, bounds);
      candidates.push({ base: c === 0 ? image.slice() : warpImage(image, size, transform.warp), transform });
    }
  }
  const all = new Float32Array(n * k * area);
  candidates.forEach((c, j) => all.set(applyIntensity(c.base, c.transform), j * area));
  // The same masks for every candidate of an image (masks are keyed by id), so they are compared fairly.
  const ids = candidates.map((_, j) => start + Math.floor(j / k));
  const errors = tf.tidy(() =>
    model.reconstructionError(tf.tensor4d(all, [n * k, size, size, 1]), {
      masks: JUDGING_MASKS,
      seed: options.seed,
      ids,
    }),
  );
  const values = await errors.data();
  errors.dispose();
  return Array.from({ length: n }, (_, i) => {
    let best = i * k;
    for (let j = i * k + 1; j < (i + 1) * k; j++) if (values[j] > values[best]) best = j;
    return candidates[best];
  });
}

/**
 * Projected sign ascent of the loss on log gamma and log contrast, per image, from the chosen
 * candidates; the parameters stay within the bounds, so the result stays in the plausible set.
 */
async function ascendIntensity(
  model: MaeModel,
  chosen: Candidate[],
  n: number,
  maskSeed: number,
  options: AdversarialOptions,
  bounds: PlausibleBounds,
): Promise<Float32Array> {
  const size = model.config.imageSize;
  const area = size * size;
  const base = new Float32Array(n * area);
  chosen.forEach((c, i) => base.set(c.base, i * area));
  const maxA = Math.log(bounds.maxGamma);
  const maxB = Math.log(bounds.maxContrast);
  const result = tf.tidy(() => {
    const x = tf.tensor4d(base, [n, size, size, 1]);
    const mean = tf.mean(x, [1, 2, 3], true);
    // Zero pixels have no gradient in gamma; a floor keeps pow's derivative finite there.
    const floor = tf.clipByValue(x, 1e-6, 1);
    const apply = (a: tf.Tensor, b: tf.Tensor) =>
      tf.clipByValue(
        tf.add(
          mean,
          tf.mul(tf.sub(tf.pow(floor, tf.exp(a.reshape([n, 1, 1, 1]))), mean), tf.exp(b.reshape([n, 1, 1, 1]))),
        ),
        0,
        1,
      ) as tf.Tensor4D;
    let a: tf.Tensor = tf.tensor1d(chosen.map((c) => Math.log(c.transform.gamma)));
    let b: tf.Tensor = tf.tensor1d(chosen.map((c) => Math.log(c.transform.contrast)));
    for (let step = 0; step < options.steps; step++) {
      const [ga, gb] = tf.grads((pa: tf.Tensor, pb: tf.Tensor) => model.loss(apply(pa, pb), maskSeed))([a, b]);
      a = tf.clipByValue(tf.add(a, tf.mul(tf.sign(ga), maxA / 4)), -maxA, maxA);
      b = tf.clipByValue(tf.add(b, tf.mul(tf.sign(gb), maxB / 4)), -maxB, maxB);
    }
    return { images: apply(a, b), gamma: tf.exp(a), contrast: tf.exp(b) };
  });
  const [images, gamma, contrast] = await Promise.all([
    result.images.data(),
    result.gamma.data(),
    result.contrast.data(),
  ]);
  tf.dispose([result.images, result.gamma, result.contrast]);
  chosen.forEach((c, i) => {
    c.transform = { ...c.transform, gamma: gamma[i], contrast: contrast[i] };
  });
  return images as Float32Array;
}

/** Projected gradient ascent on the pixels inside an L-infinity ball, within [0, 1]. */
async function ascendPixels(
  model: MaeModel,
  pixels: Float32Array,
  n: number,
  maskSeed: number,
  options: AdversarialOptions,
): Promise<Float32Array> {
  const size = model.config.imageSize;
  const lossOf = (x: tf.Tensor): tf.Scalar => model.loss(x as tf.Tensor4D, maskSeed);
  const result = tf.tidy(() => {
    const original = tf.tensor4d(pixels, [n, size, size, 1]);
    const low = tf.maximum(tf.sub(original, options.epsilon), 0);
    const high = tf.minimum(tf.add(original, options.epsilon), 1);
    let x: tf.Tensor4D = original;
    for (let step = 0; step < options.steps; step++) {
      const gradient = tf.grad(lossOf)(x);
      x = tf.minimum(tf.maximum(tf.add(x, tf.mul(tf.sign(gradient), options.stepSize)), low), high) as tf.Tensor4D;
    }
    return x;
  });
  const out = (await result.data()) as Float32Array;
  result.dispose();
  return out;
}
