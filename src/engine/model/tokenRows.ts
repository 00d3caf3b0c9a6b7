/**
 * The decoder's input built by row gathers: every patch's token is its visible token from the
 * encoder or the mask token. The wasm backend has no UnsortedSegmentSum, so TensorFlow.js's own
 * gradient of gather fails there; this one is written out, and needs none: each visible token
 * lands in exactly one row, so its gradient is a gather of those rows, and the mask token's is
 * the sum of the masked rows (one 2D product, on the XNNPACK path).
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskBatch } from './masking';

/** [batch · patches, dim] decoder tokens from [batch · keep, dim] visible tokens and the [dim] mask token. */
export function scatterTokens(visibleTokens: tf.Tensor2D, maskToken: tf.Tensor1D, masks: MaskBatch): tf.Tensor2D {
  const dim = maskToken.shape[0];
  const source = tf.tensor1d(masks.tokenSource, 'int32');
  const visibleRows = tf.tensor1d(masks.visibleRows, 'int32');
  const maskedRow = tf.tensor2d(masks.masked, [1, masks.masked.length]);
  const op = tf.customGrad(((tokens: tf.Tensor2D, token: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([visibleRows, maskedRow]);
    return {
      value: tf.gather(tf.concat([tokens, tf.reshape(token, [1, dim])], 0), source),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [rows, maskedOnes] = saved as [tf.Tensor1D, tf.Tensor2D];
        return [tf.gather(dy, rows), tf.reshape(tf.matMul(maskedOnes, dy), [dim])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (tokens: tf.Tensor2D, token: tf.Tensor1D) => tf.Tensor2D;
  return op(visibleTokens, maskToken);
}
