/** Small real inputs for downstream tests: a linear patch encoder and a dataset of bright squares. */
import * as tf from '@tensorflow/tfjs';
import type { LabelledData, LabelledSplit, PatchEncoder } from '../../../src/engine/downstream/finetune';

/** Patchify + one linear layer + ReLU: trainable, differentiable, and tiny. */
export function linearPatchEncoder(imageSize: number, patchSize: number, dim: number, seed: number): PatchEncoder {
  const grid = imageSize / patchSize;
  const w = tf.variable(tf.randomNormal([patchSize * patchSize, dim], 0, 0.5, 'float32', seed));
  const b = tf.variable(tf.zeros([dim]));
  return {
    config: { imageSize, patchSize, dim },
    encoderVariables: [w, b],
    encode: (images) =>
      tf.tidy(() => {
        const n = images.shape[0];
        const patches = images
          .reshape([n, grid, patchSize, grid, patchSize])
          .transpose([0, 1, 3, 2, 4])
          .reshape([n * grid * grid, patchSize * patchSize]);
        return tf.relu(tf.matMul(patches, w).add(b)).reshape([n, grid * grid, dim]) as tf.Tensor3D;
      }),
  };
}

/** A seeded generator of numbers in [0, 1) (Park-Miller), so fixtures need no global state. */
function parkMiller(seed: number): () => number {
  let state = seed + 1;
  return () => ((state = (state * 16807) % 2147483647) - 1) / 2147483646;
}

/**
 * Structures smaller than a patch: in about half of the patches one half (left, right, top or
 * bottom, chosen at random) is bright and labelled 1. One logit per patch cannot draw that edge.
 */
export function halfPatchData(
  imageSize: number,
  patchSize: number,
  counts: [number, number, number],
  seed: number,
): LabelledData {
  const random = parkMiller(seed);
  const half = patchSize / 2;
  const split = (count: number): LabelledSplit => {
    const images = new Float32Array(count * imageSize * imageSize);
    const labels = new Uint8Array(count * imageSize * imageSize);
    for (let i = 0; i < count; i++) {
      for (let py = 0; py < imageSize; py += patchSize) {
        for (let px = 0; px < imageSize; px += patchSize) {
          const side = random() < 0.5 ? Math.floor(random() * 4) : -1;
          for (let y = 0; y < patchSize; y++) {
            for (let x = 0; x < patchSize; x++) {
              const at = i * imageSize * imageSize + (py + y) * imageSize + px + x;
              const lit = [x < half, x >= half, y < half, y >= half][side] ?? false;
              labels[at] = lit ? 1 : 0;
              images[at] = (lit ? 0.8 : 0.2) + (random() - 0.5) * 0.1;
            }
          }
        }
      }
    }
    return { count, images, labels };
  };
  return {
    name: 'half-patches',
    imageSize,
    classes: ['background', 'half'],
    train: split(counts[0]),
    val: split(counts[1]),
    test: split(counts[2]),
  };
}

/** Images with one bright square on noise; label 1 inside the square, 0 elsewhere. */
export function squaresData(imageSize: number, counts: [number, number, number], seed: number): LabelledData {
  const random = parkMiller(seed);
  const split = (count: number): LabelledSplit => {
    const images = new Float32Array(count * imageSize * imageSize);
    const labels = new Uint8Array(count * imageSize * imageSize);
    for (let i = 0; i < count; i++) {
      const side = Math.floor(imageSize / 3 + random() * (imageSize / 4));
      const x0 = Math.floor(random() * (imageSize - side));
      const y0 = Math.floor(random() * (imageSize - side));
      for (let y = 0; y < imageSize; y++) {
        for (let x = 0; x < imageSize; x++) {
          const at = i * imageSize * imageSize + y * imageSize + x;
          const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
          labels[at] = inside ? 1 : 0;
          images[at] = (inside ? 0.75 : 0.2) + (random() - 0.5) * 0.2;
        }
      }
    }
    return { count, images, labels };
  };
  return {
    name: 'squares',
    imageSize,
    classes: ['background', 'square'],
    train: split(counts[0]),
    val: split(counts[1]),
    test: split(counts[2]),
  };
}
