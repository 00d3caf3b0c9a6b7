/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter), written out because TensorFlow.js's
 * Adam folds no decay and its state cannot be saved or restored. Follows PyTorch's AdamW update,
 * with global-norm gradient clipping before it. Biases, norms and the mask token are not decayed
 * (as in the MAE recipe).
 *
 * Two implementations of the same arithmetic:
 * - `host` (CPU backends): the update runs in a JavaScript loop over flat Float32Arrays. On wasm a
 *   kernel launch costs about as much as a small kernel's work, and tensor ops would need about
 *   fifteen launches per variable; copying gradients and weights out and back costs far less.
 * - `device` (GPU backends): tensor ops per variable, so nothing leaves the GPU.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  weightDecay: number;
  /** Gradients are scaled so their global L2 norm is at most this; 0 turns clipping off. */
  clipNorm: number;
  beta1?: number;
  /** 0.95 as in the MAE recipe (PyTorch's default is 0.999). */
  beta2?: number;
  epsilon?: number;
}

export interface OptimisedVariable {
  variable: tf.Variable;
  decay: boolean;
}

export type OptimiserPlacement = 'host' | 'device';

/** Where the update is fastest on the current backend. */
export function defaultPlacement(): OptimiserPlacement {
  return tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu' ? 'host' : 'device';
}

export class AdamW {
  /** Updates applied so far (the t of bias correction). */
  step = 0;
  /** Global gradient norm before clipping, of the last update. */
  lastGradNorm = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly total: number;
  private readonly hostM?: Float32Array;
  private readonly hostV?: Float32Array;
  private readonly deviceM?: tf.Variable[];
  private readonly deviceV?: tf.Variable[];

  constructor(
    private readonly params: readonly OptimisedVariable[],
    private readonly options: AdamWOptions,
    readonly placement: OptimiserPlacement = defaultPlacement(),
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.95;
    this.epsilon = options.epsilon ?? 1e-8;
    this.total = params.reduce((s, p) => s + p.variable.size, 0);
    if (placement === 'host') {
      this.hostM = new Float32Array(this.total);
      this.hostV = new Float32Array(this.total);
    } else {
      this.deviceM = params.map((p) => tf.variable(tf.zerosLike(p.variable), false));
      this.deviceV = params.map((p) => tf.variable(tf.zerosLike(p.variable), false));
    }
  }

  /** One update with learning rate `lr`; `grads` in the order of the variables given to the constructor. */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    if (grads.length !== this.params.length)
      throw new Error(`AdamW got ${grads.length} gradients for ${this.params.length} variables`);
    this.step += 1;
    if (this.placement === 'host') this.applyOnHost(grads, lr);
    else this.applyOnDevice(grads, lr);
  }

  private coefficients(lr: number): { stepSize: number; sqrtBiasCorrection2: number } {
    return {
      stepSize: lr / (1 - this.beta1 ** this.step),
      sqrtBiasCorrection2: Math.sqrt(1 - this.beta2 ** this.step),
    };
  }

  /**
   * One update from a gradient flattened in variable order (what data-parallel workers average in
   * shared memory); the same arithmetic as `apply`.
   */
  applyFlat(gradient: Float32Array, lr: number): void {
    if (gradient.length !== this.total)
      throw new Error(`AdamW got a flat gradient of ${gradient.length} values for ${this.total} parameters`);
    const values: Float32Array[] = [];
    let offset = 0;
    for (const { variable } of this.params) {
      values.push(gradient.subarray(offset, offset + variable.size));
      offset += variable.size;
    }
    this.step += 1;
    if (this.placement === 'host') this.updateOnHost(values, lr);
    else
      tf.tidy(() =>
        this.applyOnDevice(
          values.map((v, i) => tf.tensor(v, this.params[i].variable.shape)),
          lr,
        ),
      );
  }

  private applyOnHost(grads: readonly tf.Tensor[], lr: number): void {
    this.updateOnHost(
      grads.map((g) => g.dataSync() as Float32Array),
      lr,
    );
  }

  private updateOnHost(values: readonly Float32Array[], lr: number): void {
    let squares = 0;
    for (const g of values) for (let i = 0; i < g.length; i++) squares += g[i] * g[i];
    this.lastGradNorm = Math.sqrt(squares);
    const scale = this.options.clipNorm > 0 ? Math.min(1, this.options.clipNorm / (this.lastGradNorm + 1e-6)) : 1;
    const { beta1, beta2, epsilon } = this;
    const { stepSize, sqrtBiasCorrection2 } = this.coefficients(lr);
    const m = this.hostM!;
    const v = this.hostV!;
    let offset = 0;
    this.params.forEach(({ variable, decay }, k) => {
      const g = values[k];
      const p = Float32Array.from(variable.dataSync() as Float32Array);
      const keep = decay ? 1 - lr * this.options.weightDecay : 1;
      for (let i = 0; i < p.length; i++) {
        const j = offset + i;
        const gi = g[i] * scale;
        m[j] = beta1 * m[j] + (1 - beta1) * gi;
        v[j] = beta2 * v[j] + (1 - beta2) * gi * gi;
        p[i] = p[i] * keep - (stepSize * m[j]) / (Math.sqrt(v[j]) / sqrtBiasCorrection2 + epsilon);
      }
      tf.tidy(() => variable.assign(tf.tensor(p, variable.shape)));
      offset += p.length;
    });
  }

  private applyOnDevice(grads: readonly tf.Tensor[], lr: number): void {
    const { beta1, beta2, epsilon } = this;
    const { stepSize, sqrtBiasCorrection2 } = this.coefficients(lr);
    tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
      this.lastGradNorm = norm.dataSync()[0];
      const scale = this.options.clipNorm > 0 ? Math.min(1, this.options.clipNorm / (this.lastGradNorm + 1e-6)) : 1;
      this.params.forEach(({ variable, decay }, i) => {
        const g = tf.mul(grads[i], scale);
        const m = tf.add(tf.mul(this.deviceM![i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.deviceV![i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.deviceM![i].assign(m);
        this.deviceV![i].assign(v);
        const denominator = tf.add(tf.div(tf.sqrt(v), sqrtBiasCorrection2), epsilon);
        const decayed =
          decay && this.options.weightDecay > 0 ? tf.mul(variable, 1 - lr * this.options.weightDecay) : variable;
        variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), stepSize)));
      });
    });
  }

  /** Both moments, flat, parameters in variable order: m then v. */
  saveState(): Float32Array {
    const out = new Float32Array(2 * this.total);
    if (this.placement === 'host') {
      out.set(this.hostM!, 0);
      out.set(this.hostV!, this.total);
    } else {
      let offset = 0;
      for (const t of [...this.deviceM!, ...this.deviceV!]) {
        out.set(t.dataSync() as Float32Array, offset);
        offset += t.size;
      }
    }
    return out;
  }

  loadState(state: Float32Array, step: number, source: string): void {
    if (state.length !== 2 * this.total)
      throw new Error(
        `${source} holds ${state.length} optimiser values, expected ${2 * this.total}: it is from another model`,
      );
    this.step = step;
    if (this.placement === 'host') {
      this.hostM!.set(state.subarray(0, this.total));
      this.hostV!.set(state.subarray(this.total));
      return;
    }
    let offset = 0;
    for (const t of [...this.deviceM!, ...this.deviceV!]) {
      tf.tidy(() => t.assign(tf.tensor(state.subarray(offset, offset + t.size), t.shape)));
      offset += t.size;
    }
  }

  dispose(): void {
    for (const t of [...(this.deviceM ?? []), ...(this.deviceV ?? [])]) t.dispose();
  }
}
