/**
 * V-information of a set of images (OPTIDEL.md, "Theory"): I_V(X -> Y) = H_V(Y|∅) - H_V(Y|X) for a
 * masked autoencoder, X the visible patches and Y the masked ones, under a unit-variance Gaussian
 * likelihood: -log f(y) = (y - ŷ)² / 2 + log(2π) / 2 per masked value, in nats. Every predictor of
 * that family pays the log(2π)/2, so both terms are reported above it: a predictor that reconstructs
 * exactly has H_V(Y|X) = 0, and then I_V = H_V(Y|∅).
 *  - H_V(Y|X), the difficulty term: the model's masked error on per-patch normalised pixels (its
 *    training target), over K random masks drawn apart from the masks the scores (and so the
 *    selection) used, so a subset chosen for its errors under some masks is measured on others.
 *  - H_V(Y|∅), the diversity term: the error of the input-free predictor, the per-position mean
 *    normalised patch of the set, each image measured against the mean of the others (leave one
 *    out), so the predictor never sees the image it is scored on.
 * Both are means over images of per-image terms, so I_V is the mean of pointwise V-information,
 * and a bootstrap over images (resampled with replacement, fixed seed) gives 95% percentile
 * intervals for each term and for their difference.
 */
import * as tf from '@tensorflow/tfjs';
import type { VInformationEstimate } from '../../shared/artifacts';
import { letCancelIn } from '../command';
import type { MaskedScorer } from '../model/scoring';
import { deriveSeed, SeededRandom } from '../model/rng';
import { addImages, emptyMoments, momentsOf } from '../model/inputFree';

/** Keys the V-information's masks apart from the score stage's (which use the seed itself). */
const HELD_OUT_MASKS = 0x0e1d;
const DEFAULT_RESAMPLES = 1000;

/**
 * Per image, the leave-one-out error of the input-free predictor: the mean over values of
 * (y - μ₋ᵢ)², μ₋ᵢ = (S - y) / (n - 1) the per-position mean of the other images, i.e.
 * ((n y - S) / (n - 1))². A single image has no others: its error is its own E[y²] (the mean 0).
 */
export function inputFreeErrors(
  pixels: Float32Array,
  count: number,
  imageSize: number,
  patchSize: number,
): Float64Array {
  const area = imageSize * imageSize;
  const total = momentsOf(pixels, count, imageSize, patchSize);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const own = addImages(emptyMoments(imageSize), pixels.subarray(i * area, (i + 1) * area), 1, imageSize, patchSize);
    let error = 0;
    for (let q = 0; q < area; q++) {
      const residual = count > 1 ? (count * own.sum[q] - total.sum[q]) / (count - 1) : own.sum[q];
      error += residual * residual;
    }
    out[i] = error / area;
  }
  return out;
}

/** Both terms from per-image errors (mean squared error per value), with bootstrap 95% intervals over images. */
export function vInformationFromErrors(
  inputFree: ArrayLike<number>,
  model: ArrayLike<number>,
  options: { seed: number; resamples?: number },
): VInformationEstimate {
  const n = inputFree.length;
  if (model.length !== n) throw new Error(`V-information: ${n} input-free errors but ${model.length} model errors`);
  const terms = (pick: (k: number) => number) => {
    let empty = 0;
    let given = 0;
    for (let k = 0; k < n; k++) {
      const i = pick(k); // one image per draw for both terms: their difference is a per-image quantity
      empty += inputFree[i] / 2;
      given += model[i] / 2;
    }
    return n ? [empty / n, given / n] : [0, 0];
  };
  const [hYEmpty, hYGivenX] = terms((k) => k);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const rng = new SeededRandom(deriveSeed(options.seed, 0xb007));
  const draws = {
    hYEmpty: new Float64Array(resamples),
    hYGivenX: new Float64Array(resamples),
    value: new Float64Array(resamples),
  };
  for (let r = 0; r < resamples; r++) {
    const [empty, given] = terms(() => Math.floor(rng.next() * n));
    draws.hYEmpty[r] = empty;
    draws.hYGivenX[r] = given;
    draws.value[r] = empty - given;
  }
  return {
    hYEmpty,
    hYGivenX,
    value: hYEmpty - hYGivenX,
    interval: {
      hYEmpty: percentiles95(draws.hYEmpty),
      hYGivenX: percentiles95(draws.hYGivenX),
      value: percentiles95(draws.value),
    },
    images: n,
    resamples,
  };
}

function percentiles95(values: Float64Array): [number, number] {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))];
  return sorted.length ? [at(0.025), at(0.975)] : [0, 0];
}

/** `pixels`: `count` images of the model's size, concatenated; `ids` key their masks. */
export async function estimateVInformation(
  model: MaskedScorer,
  pixels: Float32Array,
  ids: readonly number[],
  options: { masks: number; seed: number; batchSize?: number; resamples?: number; signal?: AbortSignal },
): Promise<VInformationEstimate> {
  const size = model.config.imageSize;
  const area = size * size;
  const count = ids.length;
  const batchSize = options.batchSize ?? 64;
  const modelErrors = new Float64Array(count);
  const maskSeed = deriveSeed(options.seed, HELD_OUT_MASKS);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const errors = tf.tidy(
      () =>
        model.score(tf.tensor4d(pixels.subarray(start * area, (start + n) * area), [n, size, size, 1]), {
          masks: options.masks,
          seed: maskSeed,
          ids: ids.slice(start, start + n),
        }).difficulty,
    );
    modelErrors.set(await errors.data(), start);
    errors.dispose();
    await letCancelIn(options.signal);
  }
  return vInformationFromErrors(inputFreeErrors(pixels, count, size, model.config.patchSize), modelErrors, {
    seed: options.seed,
    resamples: options.resamples,
  });
}
