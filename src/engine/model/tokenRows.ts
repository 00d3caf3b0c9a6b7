/**
 * Masking by row gathers: the visible patches' rows are picked from the batch's [batch · patches]
 * rows, and the decoder's input puts every visible token back in its row with the mask token in
 * the others. The wasm backend has no UnsortedSegmentSum, so TensorFlow.js's own gradient of
 * gather fails there; both gradients are written out, and need none: each visible row lands in
 * exactly one place, so each op's gradient is a gather the other way (the mask token's is the sum
 * of the masked rows, one 2D product on the XNNPACK path).
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskBatch } from './masking';

type Op2 = (a: tf.Tensor2D, b: tf.Tensor) => tf.Tensor2D;

/** Row r of the result is row `source[r]` of `rows` followed by `lastRow` (one gather). */
function fromSources(rows: tf.Tensor2D, lastRow: tf.Tensor2D, source: tf.Tensor1D): tf.Tensor2D {
  return tf.gather(tf.concat([rows, lastRow], 0), source);
}

/** The [batch · keep, features] rows of the visible patches out of [batch · patches, features]. */
export function visibleRows(x: tf.Tensor2D, masks: MaskBatch): tf.Tensor2D {
  const rows = tf.tensor1d(masks.visibleRows, 'int32');
  const source = tf.tensor1d(masks.tokenSource, 'int32');
  const op = tf.customGrad(((all: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([source]);
    return {
      value: tf.gather(all, rows),
      // Visible rows get their gradient back, masked rows (the appended zero row) none.
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) =>
        fromSources(dy, tf.zeros([1, dy.shape[1]]), saved[0] as tf.Tensor1D),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (all: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}

/** [batch · patches, dim] decoder tokens from [batch · keep, dim] visible tokens and the [dim] mask token. */
export function scatterTokens(visibleTokens: tf.Tensor2D, maskToken: tf.Tensor1D, masks: MaskBatch): tf.Tensor2D {
  const dim = maskToken.shape[0];
  const source = tf.tensor1d(masks.tokenSource, 'int32');
  const rows = tf.tensor1d(masks.visibleRows, 'int32');
  const maskedRow = tf.tensor2d(masks.masked, [1, masks.masked.length]);
  const op = tf.customGrad(((tokens: tf.Tensor2D, token: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([rows, maskedRow]);
    return {
      value: fromSources(tokens, tf.reshape(token, [1, dim]), source),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [picked, maskedOnes] = saved as [tf.Tensor1D, tf.Tensor2D];
        return [tf.gather(dy, picked), tf.reshape(tf.matMul(maskedOnes, dy), [dim])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as Op2;
  return op(visibleTokens, maskToken);
}
