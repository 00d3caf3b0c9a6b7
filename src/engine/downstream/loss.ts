/**
 * Segmentation loss: class-weighted cross-entropy plus soft Dice. Cross-entropy alone lets a
 * model that predicts background everywhere look good (background is most pixels); Dice scores
 * each class by overlap regardless of its size, and the weights make rare classes count in the
 * cross-entropy too.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Per-class weights from the training labels: inverse square root of the class frequency,
 * normalised to mean 1 over the classes present. The square root (our choice) keeps a class of a
 * few pixels from dominating the loss; classes absent from the training labels get weight 0.
 */
export function classWeights(labels: Uint8Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label >= classes) throw new RangeError(`label ${label} at pixel ${i} is outside 0..${classes - 1}`);
    counts[label]++;
  }
  const weights = new Float32Array(classes);
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    if (counts[c] === 0) continue;
    weights[c] = 1 / Math.sqrt(counts[c] / labels.length);
    sum += weights[c];
    present++;
  }
  for (let c = 0; c < classes; c++) weights[c] = present ? (weights[c] * present) / sum : 0;
  return weights;
}

/** logits [B, S, S, C], labels [B, S, S] int32, weights [C] -> scalar weighted CE + soft Dice. */
export function segmentationLoss(
  logits: tf.Tensor4D,
  labels: tf.Tensor3D,
  weights: tf.Tensor1D,
  diceWeight = 1,
): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[3];
    const oneHot = tf.oneHot(labels, classes).toFloat() as tf.Tensor4D;
    const logProbs = tf.logSoftmax(logits);
    // Weighted mean as in PyTorch: divide by the total weight of the pixels, not their count.
    const pixelWeights = oneHot.mul(weights).sum(-1);
    const ce = oneHot.mul(logProbs).mul(weights).sum().neg().div(pixelWeights.sum().add(1e-6));
    const probs = tf.exp(logProbs);
    const intersection = probs.mul(oneHot).sum([0, 1, 2]);
    const sizes = probs.sum([0, 1, 2]).add(oneHot.sum([0, 1, 2]));
    // Smoothing 1 keeps a class absent from the batch (and not predicted) at Dice ~1, not 0/0.
    const dice = intersection.mul(2).add(1).div(sizes.add(1)).mean();
    return ce.add(tf.scalar(1).sub(dice).mul(diceWeight)) as tf.Scalar;
  });
}
