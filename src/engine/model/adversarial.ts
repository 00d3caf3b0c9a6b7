/**
 * Adversarial augmentation: a few steps of projected gradient ascent on the MAE loss with respect
 * to the input pixels, inside an L-infinity ball of radius epsilon around each image and within
 * valid intensities [0, 1]. The samples become harder for the current model while staying visually
 * the same image (OPTIDEL.md, generation (b)). The model's weights are not changed.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaeModel } from './mae';
import { deriveSeed } from './rng';
import { letCancelIn } from '../command';

export interface AdversarialOptions {
  /** L-infinity bound on the change of any pixel (intensities are in [0, 1]). */
  epsilon: number;
  steps: number;
  /** Change per step along the gradient's sign. */
  stepSize: number;
  seed: number;
  /** Images per batch (default 32). */
  batchSize?: number;
}

export async function adversarialAugment(
  model: MaeModel,
  pixels: Float32Array,
  count: number,
  options: AdversarialOptions,
): Promise<Float32Array> {
  const size = model.config.imageSize;
  const area = size * size;
  if (pixels.length !== count * area)
    throw new Error(`adversarialAugment: ${pixels.length} values for ${count} images of ${size}x${size}`);
  if (!(options.epsilon >= 0) || !(options.stepSize > 0) || !(options.steps >= 1))
    throw new Error('adversarialAugment: epsilon must be >= 0, stepSize > 0 and steps >= 1');
  const batchSize = options.batchSize ?? 32;
  const out = new Float32Array(pixels.length);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    // One mask per image for all steps: the ascent follows one objective rather than noise between masks.
    const maskSeed = deriveSeed(options.seed, start);
    const lossOf = (x: tf.Tensor): tf.Scalar => model.loss(x as tf.Tensor4D, maskSeed);
    const result = tf.tidy(() => {
      const original = tf.tensor4d(pixels.subarray(start * area, (start + n) * area), [n, size, size, 1]);
      const low = tf.maximum(tf.sub(original, options.epsilon), 0);
      const high = tf.minimum(tf.add(original, options.epsilon), 1);
      let x: tf.Tensor4D = original;
      for (let step = 0; step < options.steps; step++) {
        const gradient = tf.grad(lossOf)(x);
        x = tf.minimum(tf.maximum(tf.add(x, tf.mul(tf.sign(gradient), options.stepSize)), low), high) as tf.Tensor4D;
      }
      return x;
    });
    out.set(await result.data(), start * area);
    result.dispose();
    await letCancelIn();
  }
  return out;
}
