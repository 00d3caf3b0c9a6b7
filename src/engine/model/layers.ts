/**
 * The transformer pieces of the masked autoencoder, as plain functions over parameter records
 * (the block itself, built from them, is one op in block.ts).
 *
 * Activations stay 2D ([tokens, features]) between layers so every linear layer is one fused
 * matmul with its bias (one wasm kernel instead of matmul + broadcast add); only attention
 * reshapes to heads. Every op used here, and its gradient, exists in the wasm backend.
 *
 * Speed on wasm: its BatchMatMul kernel sends only one case to XNNPACK (SIMD, blocked): 2D
 * operands, neither transposed. Every other case (a transposed operand, a batch of matrices) runs
 * a scalar triple loop several times slower. TensorFlow.js's own matmul gradients use transposed
 * operands, so the gradients here are written out with explicit transposes (a cheap copy) and
 * plain products (see docs/performance.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from './rng';

export interface Linear {
  w: tf.Variable;
  b: tf.Variable;
}
export interface Norm {
  gamma: tf.Variable;
  beta: tf.Variable;
}
export interface BlockParams {
  norm1: Norm;
  q: Linear;
  k: Linear;
  v: Linear;
  proj: Linear;
  norm2: Norm;
  fc1: Linear;
  fc2: Linear;
}

/** Creates variables in a fixed order with seeded initial values; the order is the save order. */
export class ParamFactory {
  readonly named: Array<{ name: string; variable: tf.Variable; decay: boolean }> = [];
  constructor(private readonly rng: SeededRandom) {}

  private add(name: string, values: Float32Array, shape: number[], decay: boolean): tf.Variable {
    const variable = tf.variable(tf.tensor(values, shape), true);
    this.named.push({ name, variable, decay });
    return variable;
  }

  /** Xavier-uniform weights and zero bias, as the MAE reference initialises its linear layers. */
  linear(name: string, fanIn: number, fanOut: number): Linear {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = (this.rng.next() * 2 - 1) * limit;
    return {
      w: this.add(`${name}.w`, w, [fanIn, fanOut], true),
      b: this.add(`${name}.b`, new Float32Array(fanOut), [fanOut], false),
    };
  }

  norm(name: string, dim: number): Norm {
    return {
      gamma: this.add(`${name}.gamma`, new Float32Array(dim).fill(1), [dim], false),
      beta: this.add(`${name}.beta`, new Float32Array(dim), [dim], false),
    };
  }

  /** Normal(0, std) without weight decay (the mask token). */
  normal(name: string, dim: number, std: number): tf.Variable {
    const values = new Float32Array(dim);
    for (let i = 0; i < dim; i++) values[i] = this.rng.normal() * std;
    return this.add(name, values, [dim], false);
  }

  block(name: string, dim: number, mlpRatio: number): BlockParams {
    const hidden = Math.round(dim * mlpRatio);
    return {
      norm1: this.norm(`${name}.norm1`, dim),
      // Separate q, k, v weights: splitting one fused product on wasm copies the whole input per part.
      q: this.linear(`${name}.q`, dim, dim),
      k: this.linear(`${name}.k`, dim, dim),
      v: this.linear(`${name}.v`, dim, dim),
      proj: this.linear(`${name}.proj`, dim, dim),
      norm2: this.norm(`${name}.norm2`, dim),
      fc1: this.linear(`${name}.fc1`, dim, hidden),
      fc2: this.linear(`${name}.fc2`, hidden, dim),
    };
  }
}

/** Gradients of x·W + b: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ dy, every product on the XNNPACK path. */
export function linearGrads(dy: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D] {
  // The bias gradient by columnSums: wasm reduces a non-inner axis by transposing first.
  return [tf.matMul(dy, tf.transpose(w)), tf.matMul(tf.transpose(x), dy), columnSums(dy)];
}

const linearOp = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x, b: w, bias: b }),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) =>
      linearGrads(dy, saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
) => tf.Tensor2D;

export function linear(x: tf.Tensor2D, p: Linear): tf.Tensor2D {
  return linearOp(x, p.w as tf.Tensor2D, p.b as tf.Tensor1D);
}

/** Column sums of a 2D tensor as ones·x: one XNNPACK product instead of a transpose and a reduction. */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]);
}

const LAYER_NORM_EPS = 1e-6;

/** Layer norm's forward pass, with what its gradient needs: x̂ (normalised x) and 1/σ per row. */
export function layerNormForward(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
): { value: tf.Tensor2D; xhat: tf.Tensor2D; rstd: tf.Tensor2D } {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), LAYER_NORM_EPS)) as tf.Tensor2D;
  const xhat = tf.mul(centred, rstd) as tf.Tensor2D;
  return { value: tf.add(tf.mul(xhat, gamma), beta) as tf.Tensor2D, xhat, rstd };
}

/**
 * Layer norm's gradient written out (dx = rstd·(g - mean(g) - x̂·mean(g·x̂)), g = dy·γ): about a
 * dozen kernels instead of the two dozen autodiff launches through moments. Returns [dx, dγ, dβ].
 */
export function layerNormGrads(
  dy: tf.Tensor2D,
  xhat: tf.Tensor2D,
  rstd: tf.Tensor2D,
  gamma: tf.Tensor1D,
): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] {
  const dxhat = tf.mul(dy, gamma);
  const dx = tf.mul(
    rstd,
    tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), -1, true))),
  ) as tf.Tensor2D;
  return [dx, columnSums(tf.mul(dy, xhat) as tf.Tensor2D), columnSums(dy)];
}

const layerNormOp = tf.customGrad(((x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const { value, xhat, rstd } = layerNormForward(x, gamma, beta);
  save([xhat, rstd, gamma]);
  return {
    value,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xh, r, g] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      return layerNormGrads(dy, xh, r, g);
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
) => tf.Tensor2D;

export function layerNorm(x: tf.Tensor2D, p: Norm): tf.Tensor2D {
  return layerNormOp(x, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D);
}

/** Fixed 2D sine-cosine position embeddings [grid², dim] (the MAE paper's choice): no parameters to learn. */
export function sinCosPositions(grid: number, dim: number): Float32Array {
  const out = new Float32Array(grid * grid * dim);
  const quarter = Math.floor(dim / 4);
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      const base = (row * grid + col) * dim;
      for (let i = 0; i < quarter; i++) {
        const omega = 1 / 10000 ** (i / quarter);
        out[base + i] = Math.sin(col * omega);
        out[base + quarter + i] = Math.cos(col * omega);
        out[base + 2 * quarter + i] = Math.sin(row * omega);
        out[base + 3 * quarter + i] = Math.cos(row * omega);
      }
    }
  }
  return out;
}
