/**
 * The pre-norm transformer block (x + attn(norm(x)), then + mlp(norm(x))) as one TensorFlow.js op
 * with its gradient written out. Autodiff records every small op of the block on the tape and
 * replays a gradient per op; here the forward pass saves the activations the backward pass needs
 * and the backward pass reuses them (one transpose of each layer norm's output serves the q, k
 * and v weight gradients), so a training step launches fewer kernels (see docs/performance.md).
 * test/unit/model/block.test.ts checks it against autodiff of the plain formulation.
 *
 * GELU is x·σ(1.702x): three cheap elementwise kernels instead of the erf or tanh forms' six to
 * eight, with a difference under 0.02 everywhere (our choice; the MAE paper uses erf).
 */
import * as tf from '@tensorflow/tfjs';
import type { BlockParams } from './layers';
import { columnSums, layerNormForward, layerNormGrads } from './layers';

const GELU_SCALE = 1.702;

/** The block's parameters in the order the op takes (and returns gradients for) them. */
function blockInputs(p: BlockParams): tf.Tensor[] {
  return [
    p.norm1.gamma,
    p.norm1.beta,
    p.q.w,
    p.q.b,
    p.k.w,
    p.k.b,
    p.v.w,
    p.v.b,
    p.proj.w,
    p.proj.b,
    p.norm2.gamma,
    p.norm2.beta,
    p.fc1.w,
    p.fc1.b,
    p.fc2.w,
    p.fc2.b,
  ];
}

type T2 = tf.Tensor2D;
type T1 = tf.Tensor1D;

/** x is [batch · tokens, dim]: `tokens` tokens per sample, attention over each sample's own. */
export function block(x: T2, p: BlockParams, batch: number, tokens: number, heads: number): T2 {
  const dim = x.shape[1];
  const headDim = dim / heads;
  const scale = 1 / Math.sqrt(headDim);
  // [batch · tokens, dim] <-> [batch · heads, tokens, headDim] by 4D transposes (wasm's fast ones).
  const toHeads = (t: T2) =>
    tf.reshape(tf.transpose(tf.reshape(t, [batch, tokens, heads, headDim]), [0, 2, 1, 3]), [
      batch * heads,
      tokens,
      headDim,
    ]) as tf.Tensor3D;
  const fromHeads = (t: tf.Tensor3D) =>
    tf.reshape(tf.transpose(tf.reshape(t, [batch, heads, tokens, headDim]), [0, 2, 1, 3]), [batch * tokens, dim]) as T2;
  const linear = (t: T2, w: T2, b: T1) => tf.fused.matMul({ a: t, b: w, bias: b }) as T2;

  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, g1, b1, wq, bq, wk, bk, wv, bv, wp, bp, g2, b2, w1, c1, w2, c2] = args as [T2, ...Array<T2 & T1>];
    const norm1 = layerNormForward(input, g1, b1);
    const q = toHeads(linear(norm1.value, wq, bq));
    const k = toHeads(linear(norm1.value, wk, bk));
    const v = toHeads(linear(norm1.value, wv, bv));
    const probs = tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)) as tf.Tensor3D;
    const merged = fromHeads(tf.matMul(probs, v));
    const h = tf.add(input, linear(merged, wp, bp)) as T2;
    const norm2 = layerNormForward(h, g2, b2);
    const u = linear(norm2.value, w1, c1);
    const gate = tf.sigmoid(tf.mul(u, GELU_SCALE)) as T2;
    const activated = tf.mul(u, gate) as T2;
    const out = tf.add(h, linear(activated, w2, c2)) as T2;
    save([
      norm1.xhat,
      norm1.rstd,
      norm1.value,
      q,
      k,
      v,
      probs,
      merged,
      norm2.xhat,
      norm2.rstd,
      norm2.value,
      u,
      gate,
      activated,
    ]);
    return {
      value: out,
      gradFunc: (dy: T2, saved: tf.Tensor[]) => {
        const [xhat1, rstd1, n1, qs, ks, vs, ps, mergedS, xhat2, rstd2, n2, us, gateS, act] = saved as [
          T2,
          T2,
          T2,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          T2,
          T2,
          T2,
          T2,
          T2,
          T2,
          T2,
        ];
        // MLP: out = h + gelu(n2·W1 + c1)·W2 + c2.
        const dW2 = tf.matMul(tf.transpose(act), dy);
        const dAct = tf.matMul(dy, tf.transpose(w2));
        // d/du u·σ(su) = σ + s·u·σ·(1 - σ) = σ·(1 + s·u·(1 - σ)).
        const dU = tf.mul(dAct, tf.mul(gateS, tf.add(1, tf.mul(tf.mul(us, GELU_SCALE), tf.sub(1, gateS))))) as T2;
        const dW1 = tf.matMul(tf.transpose(n2), dU);
        const [dh2, dG2, dB2] = layerNormGrads(tf.matMul(dU, tf.transpose(w1)), xhat2, rstd2, g2);
        const dh = tf.add(dy, dh2) as T2;
        // Attention: h = x + merge(softmax(s·q·kᵀ)·v)·Wp + bp.
        const dWp = tf.matMul(tf.transpose(mergedS), dh);
        const dMixed = toHeads(tf.matMul(dh, tf.transpose(wp)));
        const dV = tf.matMul(ps, dMixed, true, false) as tf.Tensor3D;
        const dProbs = tf.matMul(dMixed, vs, false, true);
        const dScores = tf.mul(tf.mul(ps, tf.sub(dProbs, tf.sum(tf.mul(dProbs, ps), -1, true))), scale) as tf.Tensor3D;
        const dq = fromHeads(tf.matMul(dScores, ks));
        const dk = fromHeads(tf.matMul(dScores, qs, true, false));
        const dv = fromHeads(dV);
        const n1t = tf.transpose(n1);
        const dn1 = tf.addN([
          tf.matMul(dq, tf.transpose(wq)),
          tf.matMul(dk, tf.transpose(wk)),
          tf.matMul(dv, tf.transpose(wv)),
        ]) as T2;
        const [dx1, dG1, dB1] = layerNormGrads(dn1, xhat1, rstd1, g1);
        return [
          tf.add(dh, dx1),
          dG1,
          dB1,
          tf.matMul(n1t, dq),
          columnSums(dq),
          tf.matMul(n1t, dk),
          columnSums(dk),
          tf.matMul(n1t, dv),
          columnSums(dv),
          dWp,
          columnSums(dh),
          dG2,
          dB2,
          dW1,
          columnSums(dU),
          dW2,
          columnSums(dy),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (...inputs: tf.Tensor[]) => T2;
  return op(x, ...blockInputs(p));
}
