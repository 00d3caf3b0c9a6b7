/**
 * Masked predictors with a known answer, for V-information tests: each sees the normalised target
 * patches and returns a prediction of them (the exact target, the set's per-position mean, zeros),
 * and is scored over the same K random masks as the MAE, so the masked-error bookkeeping is real.
 */
import * as tf from '@tensorflow/tfjs';
import { maeConfig, normalisePatches, type MaeConfig } from '../../../src/engine/model/mae';
import { makeMasks } from '../../../src/engine/model/masking';
import { deriveSeed } from '../../../src/engine/model/rng';
import type { MaskedScorer } from '../../../src/engine/model/scoring';

export class FixedPredictor implements MaskedScorer {
  readonly config: MaeConfig;
  readonly grid: number;
  readonly patches: number;

  constructor(
    imageSize: number,
    patchSize: number,
    /** Normalised target patches [B, N, p²] -> prediction of the same shape. */
    private readonly predict: (target: tf.Tensor3D) => tf.Tensor3D,
  ) {
    this.config = { ...maeConfig('micro'), imageSize, patchSize };
    this.grid = imageSize / patchSize;
    this.patches = this.grid * this.grid;
  }

  patchify(images: tf.Tensor4D): tf.Tensor3D {
    const [b] = images.shape;
    const p = this.config.patchSize;
    return tf.reshape(tf.transpose(tf.reshape(images, [b * this.grid, p, this.grid, p]), [0, 2, 1, 3]), [
      b,
      this.patches,
      p * p,
    ]);
  }

  score(images: tf.Tensor4D, options: { masks: number; seed: number; ids?: readonly number[] }) {
    return tf.tidy(() => {
      const ids = options.ids ?? Array.from({ length: images.shape[0] }, (_, i) => i);
      const target = normalisePatches(this.patchify(images));
      const errors = tf.mean(tf.squaredDifference(this.predict(target), target), -1) as tf.Tensor2D;
      let count = tf.zeros([ids.length, this.patches]) as tf.Tensor2D;
      for (let k = 0; k < options.masks; k++) {
        count = tf.add(
          count,
          tf.tensor2d(makeMasks(ids, this.patches, this.config.maskRatio, deriveSeed(options.seed, k)).masked, [
            ids.length,
            this.patches,
          ]),
        );
      }
      const difficulty = tf.div(tf.sum(tf.mul(errors, count), 1), tf.sum(count, 1)) as tf.Tensor1D;
      return { difficulty, patchErrors: errors, maskedCount: count };
    });
  }
}

/** Predicts every masked patch exactly. */
export const exactPredictor = (imageSize: number, patchSize: number) =>
  new FixedPredictor(imageSize, patchSize, (target) => target);

/** Sees no input: predicts the per-position mean of the batch it is given (the whole set, when scored in one batch). */
export const meanPredictor = (imageSize: number, patchSize: number) =>
  new FixedPredictor(imageSize, patchSize, (target) => tf.broadcastTo(tf.mean(target, 0, true), target.shape));
