/**
 * Segmentation heads on ViT patch tokens.
 *
 * - `mlp` (the papers' head): a two-layer MLP maps each patch token to class logits on the patch
 *   grid, then the logits are upsampled bilinearly to the image. Everything the prediction knows
 *   comes from the encoder, which is what a probe of pre-training should measure. Its ceiling is
 *   the patch grid: a structure smaller than a patch gets one blurred logit at best.
 * - `pixel` (the default): the same MLP predicts the logits of every pixel of its patch (P x P x
 *   classes values per token), put back in place the way the MAE's decoder lays out its
 *   reconstruction. Still nothing but the encoder's tokens, but no longer capped by the grid: what
 *   a token knows about the inside of its patch (what masked pre-training teaches) can reach the
 *   prediction. The papers' images have 14 x 14 patches, ours 4 x 4: there the grid is the limit.
 * - `conv` (optional, light decoder): tokens are projected to a few channels, upsampled to the
 *   image, concatenated with the image itself and refined by one 3x3 convolution. It draws sharper
 *   boundaries but also lets a weak encoder lean on raw pixels, so it is not the headline.
 *
 * The 3x3 convolution is written as shifted slices and a matmul rather than tf.conv2d: the wasm
 * backend has no Conv2DBackpropFilter kernel, so conv2d cannot be trained there.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeadKind } from '../../shared/commands';
import { SeededRandom } from '../data/random';

export interface SegmentationHead {
  readonly kind: HeadKind;
  readonly variables: tf.Variable[];
  /** tokens [B, grid*grid, dim] (+ the images for `conv`) -> logits [B, S, S, classes]. */
  apply(tokens: tf.Tensor3D, images: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

export interface HeadShape {
  dim: number;
  /** Patches per image side. */
  grid: number;
  imageSize: number;
  classes: number;
  hidden?: number;
}

export function createHead(kind: HeadKind, shape: HeadShape, seed: number): SegmentationHead {
  const { dim, grid, imageSize, classes } = shape;
  const hidden = shape.hidden ?? 64;
  // The conv decoder works on few channels at full resolution: its 3x3 convolution is the costly part.
  const projected = 8;
  const convChannels = 16;
  // He initialisation from our own generator: tf.randomNormal takes a seed of 0 as "no seed" and
  // falls back to Math.random, which made every seed-0 cell of the benchmark unrepeatable.
  const random = new SeededRandom(seed);
  // Inside tidy: tf.variable copies its initial value, which would otherwise stay allocated.
  const weight = (rows: number, cols: number): tf.Variable<tf.Rank.R2> => {
    const std = Math.sqrt(2 / rows);
    const values = Float32Array.from({ length: rows * cols }, () => random.normal() * std);
    return tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols])));
  };
  const bias = (size: number) => tf.tidy(() => tf.variable(tf.zeros([size])));
  const w1 = weight(dim, hidden);
  const b1 = bias(hidden);
  const patch = imageSize / grid;
  const outputs = kind === 'mlp' ? classes : kind === 'pixel' ? patch * patch * classes : projected;
  const [w2, b2] = [weight(hidden, outputs), bias(outputs)];
  const [w3, b3, w4, b4] =
    kind === 'conv'
      ? [weight(9 * (projected + 1), convChannels), bias(convChannels), weight(convChannels, classes), bias(classes)]
      : [];
  const variables = [w1, b1, w2, b2, ...(w3 && b3 && w4 && b4 ? [w3, b3, w4, b4] : [])];

  const apply = (tokens: tf.Tensor3D, images: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const b = tokens.shape[0];
      const h = tf.relu(tf.matMul(tokens.reshape([b * grid * grid, dim]), w1).add(b1));
      if (kind === 'pixel') {
        // [B·g, g, p, p·C] -> [B·g, p, g, p·C]: rows of patches become rows of pixels (4D transpose, fast on wasm).
        const perPatch = tf
          .matMul(h, w2)
          .add(b2)
          .reshape([b * grid, grid, patch, patch * classes]);
        return tf.transpose(perPatch, [0, 2, 1, 3]).reshape([b, imageSize, imageSize, classes]) as tf.Tensor4D;
      }
      const onGrid = tf.matMul(h, w2).add(b2).reshape([b, grid, grid, outputs]) as tf.Tensor4D;
      const upsampled = tf.image.resizeBilinear(onGrid, [imageSize, imageSize]);
      if (!(w3 && b3 && w4 && b4)) return upsampled; // mlp: these are the logits
      const y = tf.relu(conv3x3(tf.concat([upsampled, images], 3), w3).add(b3));
      return tf
        .matMul(y.reshape([-1, convChannels]), w4)
        .add(b4)
        .reshape([b, imageSize, imageSize, classes]) as tf.Tensor4D;
    });

  return {
    kind,
    variables,
    apply,
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

/** Same-padded 3x3 convolution as im2col: nine shifted views side by side, times [9*C, C']. */
function conv3x3(x: tf.Tensor4D, w: tf.Tensor2D): tf.Tensor4D {
  const [b, height, width, c] = x.shape;
  const padded = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  const views: tf.Tensor4D[] = [];
  for (let dy = 0; dy < 3; dy++)
    for (let dx = 0; dx < 3; dx++) views.push(tf.slice(padded, [0, dy, dx, 0], [b, height, width, c]));
  const columns = tf.concat(views, 3).reshape([b * height * width, 9 * c]);
  return tf.matMul(columns, w).reshape([b, height, width, w.shape[1]]) as tf.Tensor4D;
}
