/**
 * V-information of a subset (OPTIDEL.md, "Theory"): I_V(X -> Y) = H_V(Y|∅) - H_V(Y|X) for a masked
 * autoencoder, X the visible patches and Y the masked ones, under one Gaussian-likelihood convention
 * (unit variance): -log f(y) = (y - ŷ)² / 2 + log(2π) / 2 per masked value, in nats.
 *  - H_V(Y|X): the model's masked reconstruction error (mean squared error on per-patch normalised
 *    pixels, the MAE's target), averaged over K random masks.
 *  - H_V(Y|∅): the best predictor that sees no input, i.e. the subset's mean normalised value at each
 *    position; its error is the per-position variance over the subset. Masks are uniform, so its
 *    expected error over masked patches is its mean over all patches.
 * The log(2π)/2 constants cancel in the difference; they are kept in both terms so each is an entropy.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaeModel } from '../model/mae';
import { letCancelIn } from '../command';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export interface VInformation {
  hYEmpty: number;
  hYGivenX: number;
  value: number;
}

/** Mean squared error of the input-free predictor (per-position mean of per-patch normalised pixels). */
export function inputFreeError(pixels: Float32Array, count: number, imageSize: number, patchSize: number): number {
  const area = imageSize * imageSize;
  if (pixels.length !== count * area) throw new Error(`inputFreeError: ${pixels.length} values for ${count} images of ${imageSize}x${imageSize}`);
  if (count === 0) return 0;
  const sum = new Float64Array(area);
  const sumSq = new Float64Array(area);
  const grid = imageSize / patchSize;
  const pp = patchSize * patchSize;
  const patch = new Float64Array(pp);
  for (let s = 0; s < count; s++) {
    for (let py = 0; py < grid; py++) {
      for (let px = 0; px < grid; px++) {
        let mean = 0;
        for (let q = 0; q < pp; q++) {
          patch[q] = pixels[s * area + (py * patchSize + Math.floor(q / patchSize)) * imageSize + px * patchSize + (q % patchSize)];
          mean += patch[q];
        }
        mean /= pp;
        let variance = 0;
        for (let q = 0; q < pp; q++) variance += (patch[q] - mean) ** 2;
        const scale = 1 / Math.sqrt(variance / pp + 1e-6); // the same epsilon as the model's normalisePatches
        const base = (py * grid + px) * pp;
        for (let q = 0; q < pp; q++) {
          const v = (patch[q] - mean) * scale;
          sum[base + q] += v;
          sumSq[base + q] += v * v;
        }
      }
    }
  }
  let error = 0;
  for (let i = 0; i < area; i++) error += sumSq[i] / count - (sum[i] / count) ** 2;
  return error / area;
}

export function vInformationFromErrors(inputFree: number, model: number): VInformation {
  const hYEmpty = inputFree / 2 + HALF_LOG_2PI;
  const hYGivenX = model / 2 + HALF_LOG_2PI;
  return { hYEmpty, hYGivenX, value: hYEmpty - hYGivenX };
}

/** `pixels`: `count` images of the model's size, concatenated. */
export async function estimateVInformation(model: MaeModel, pixels: Float32Array, count: number, options: { masks: number; seed: number; batchSize?: number; signal?: AbortSignal }): Promise<VInformation> {
  const size = model.config.imageSize;
  const area = size * size;
  const batchSize = options.batchSize ?? 64;
  let total = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const ids = Array.from({ length: n }, (_, i) => start + i);
    const errors = tf.tidy(() => model.reconstructionError(tf.tensor4d(pixels.subarray(start * area, (start + n) * area), [n, size, size, 1]), { masks: options.masks, seed: options.seed, ids }));
    for (const e of await errors.data()) total += e;
    errors.dispose();
    await letCancelIn(options.signal);
  }
  return vInformationFromErrors(inputFreeError(pixels, count, size, model.config.patchSize), count ? total / count : 0);
}
