/**
 * The transformer pieces of the masked autoencoder, as plain functions over parameter records.
 *
 * Activations stay 2D ([tokens, features]) between layers so every linear layer is one fused
 * matmul with its bias (one wasm kernel instead of matmul + broadcast add); only attention
 * reshapes to heads. Every op used here, and its gradient, exists in the wasm backend.
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
  qkv: Linear;
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
    return { w: this.add(`${name}.w`, w, [fanIn, fanOut], true), b: this.add(`${name}.b`, new Float32Array(fanOut), [fanOut], false) };
  }

  norm(name: string, dim: number): Norm {
    return { gamma: this.add(`${name}.gamma`, new Float32Array(dim).fill(1), [dim], false), beta: this.add(`${name}.beta`, new Float32Array(dim), [dim], false) };
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
      qkv: this.linear(`${name}.qkv`, dim, 3 * dim),
      proj: this.linear(`${name}.proj`, dim, dim),
      norm2: this.norm(`${name}.norm2`, dim),
      fc1: this.linear(`${name}.fc1`, dim, hidden),
      fc2: this.linear(`${name}.fc2`, hidden, dim),
    };
  }
}

export function linear(x: tf.Tensor2D, p: Linear): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: p.w as tf.Tensor2D, bias: p.b }) as tf.Tensor2D;
}

export function layerNorm(x: tf.Tensor2D, p: Norm, eps = 1e-6): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), p.gamma), p.beta) as tf.Tensor2D;
}

/**
 * GELU in its sigmoid form x·σ(1.702x): three cheap elementwise kernels instead of the erf or tanh
 * forms' six to eight, with a difference under 0.02 everywhere (our choice; the MAE paper uses erf).
 */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))) as tf.Tensor2D;
}

/** Multi-head self-attention over `tokens` tokens per sample; x is [batch * tokens, dim]. */
export function attention(x: tf.Tensor2D, p: BlockParams, batch: number, tokens: number, heads: number): tf.Tensor2D {
  const dim = x.shape[1];
  const headDim = dim / heads;
  // One matmul for q, k and v, then one transpose to [3, batch * heads, tokens, headDim].
  const qkv = tf.transpose(tf.reshape(linear(x, p.qkv), [batch, tokens, 3, heads, headDim]), [2, 0, 3, 1, 4]);
  const [q, k, v] = tf.split(tf.reshape(qkv, [3, batch * heads, tokens, headDim]), 3, 0).map((t) => tf.reshape(t, [batch * heads, tokens, headDim]) as tf.Tensor3D);
  const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim));
  const mixed = tf.matMul(tf.softmax(scores), v);
  const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [batch, heads, tokens, headDim]), [0, 2, 1, 3]), [batch * tokens, dim]) as tf.Tensor2D;
  return linear(merged, p.proj);
}

/** Pre-norm transformer block: x + attn(norm(x)), then + mlp(norm(x)). */
export function block(x: tf.Tensor2D, p: BlockParams, batch: number, tokens: number, heads: number): tf.Tensor2D {
  const h = tf.add(x, attention(layerNorm(x, p.norm1), p, batch, tokens, heads)) as tf.Tensor2D;
  return tf.add(h, linear(gelu(linear(layerNorm(h, p.norm2), p.fc1)), p.fc2)) as tf.Tensor2D;
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
