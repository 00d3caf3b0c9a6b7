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
  /** Global gradient norm before clipping, of the last update; on the device, left there until read. */
  private lastNorm: number | tf.Scalar = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly total: number;
  /** Each variable's range of the flat parameter order, and whether it is decayed. */
  private readonly spans: ReadonlyArray<{ start: number; end: number; decay: boolean }>;
  private readonly hostM?: Float32Array;
  private readonly hostV?: Float32Array;
  private readonly deviceM?: tf.Variable[];
  private readonly deviceV?: tf.Variable[];

  constructor(
    private readonly params: readonly OptimisedVariable[],
    private readonly options: AdamWOptions,
    readonly placement: OptimiserPlacement = defaultPlacement(),
    /** Host placement: where the moments live (data-parallel workers share them); default fresh arrays. */
    moments?: { m: Float32Array; v: Float32Array },
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.95;
    this.epsilon = options.epsilon ?? 1e-8;
    let offset = 0;
    this.spans = params.map(({ variable, decay }) => {
      const span = { start: offset, end: offset + variable.size, decay };
      offset = span.end;
      return span;
    });
    this.total = offset;
    if (placement === 'host') {
      if (moments && (moments.m.length !== this.total || moments.v.length !== this.total))
        throw new Error(`AdamW was given moments of ${moments.m.length} values for ${this.total} parameters`);
      this.hostM = moments?.m ?? new Float32Array(this.total);
      this.hostV = moments?.v ?? new Float32Array(this.total);
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
   * A data-parallel worker's share of one update (host placement): parameters `lo` to `hi` - 1 of
   * the flat variable order, from their averaged gradient `gradient` (hi - lo values), clipped by
   * the whole gradient's norm `gradNorm`. Updates that range of `weights` (every parameter, flat)
   * and of the moments in place; the variables are left to the caller. The same arithmetic as
   * `apply`, element by element.
   */
  applySlice(
    weights: Float32Array,
    gradient: Float32Array,
    lo: number,
    hi: number,
    gradNorm: number,
    lr: number,
  ): void {
    if (this.placement !== 'host') throw new Error('AdamW.applySlice updates host-placed moments only');
    if (weights.length !== this.total || gradient.length !== hi - lo)
      throw new Error(
        `AdamW got ${weights.length} weights and ${gradient.length} gradient values for parameters ${lo}..${hi} of ${this.total}`,
      );
    this.step += 1;
    this.setLastNorm(gradNorm);
    const scale = this.clipScale(gradNorm);
    for (const span of this.spans) {
      const from = Math.max(lo, span.start);
      const to = Math.min(hi, span.end);
      if (from < to) this.updateRange(weights, 0, gradient, lo, from, to, span.decay, scale, lr);
    }
  }

  // Host placement is for the CPU backends (wasm, cpu), whose synchronous reads cost nothing.
  private applyOnHost(grads: readonly tf.Tensor[], lr: number): void {
    // eslint-disable-next-line no-restricted-syntax -- CPU backends only (defaultPlacement)
    const values = grads.map((g) => g.dataSync() as Float32Array);
    let squares = 0;
    for (const g of values) for (let i = 0; i < g.length; i++) squares += g[i] * g[i];
    const norm = Math.sqrt(squares);
    this.setLastNorm(norm);
    const scale = this.clipScale(norm);
    this.params.forEach(({ variable }, k) => {
      const { start, end, decay } = this.spans[k];
      // eslint-disable-next-line no-restricted-syntax -- CPU backends only (defaultPlacement)
      const p = Float32Array.from(variable.dataSync() as Float32Array);
      this.updateRange(p, start, values[k], start, start, end, decay, scale, lr);
      tf.tidy(() => variable.assign(tf.tensor(p, variable.shape)));
    });
  }

  private clipScale(gradNorm: number): number {
    return this.options.clipNorm > 0 ? Math.min(1, this.options.clipNorm / (gradNorm + 1e-6)) : 1;
  }

  /**
   * The AdamW arithmetic for flat parameters `from` to `to` - 1: `p` holds parameter j at
   * j - pBase, `g` its gradient at j - gBase, the moments at j.
   */
  private updateRange(
    p: Float32Array,
    pBase: number,
    g: Float32Array,
    gBase: number,
    from: number,
    to: number,
    decay: boolean,
    scale: number,
    lr: number,
  ): void {
    const { beta1, beta2, epsilon } = this;
    const { stepSize, sqrtBiasCorrection2 } = this.coefficients(lr);
    const m = this.hostM!;
    const v = this.hostV!;
    const keep = decay ? 1 - lr * this.options.weightDecay : 1;
    for (let j = from; j < to; j++) {
      const gi = g[j - gBase] * scale;
      m[j] = beta1 * m[j] + (1 - beta1) * gi;
      v[j] = beta2 * v[j] + (1 - beta2) * gi * gi;
      p[j - pBase] = p[j - pBase] * keep - (stepSize * m[j]) / (Math.sqrt(v[j]) / sqrtBiasCorrection2 + epsilon);
    }
  }

  private applyOnDevice(grads: readonly tf.Tensor[], lr: number): void {
    const { beta1, beta2, epsilon } = this;
    const { stepSize, sqrtBiasCorrection2 } = this.coefficients(lr);
    tf.tidy(() => {
      // Clipped on the device: a GPU step never waits for a value to come back to the host.
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
      this.setLastNorm(tf.keep(norm));
      const scale =
        this.options.clipNorm > 0 ? tf.minimum(1, tf.div(this.options.clipNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
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

  /** Global gradient norm before clipping, of the last update. */
  async lastGradNorm(): Promise<number> {
    return typeof this.lastNorm === 'number' ? this.lastNorm : (await this.lastNorm.data())[0];
  }

  private setLastNorm(norm: number | tf.Scalar): void {
    if (typeof this.lastNorm !== 'number') this.lastNorm.dispose();
    this.lastNorm = norm;
  }

  /** Float32 values `saveState` returns and `loadState` takes: both moments of every parameter. */
  get stateLength(): number {
    return 2 * this.total;
  }

  /** Both moments, flat, parameters in variable order: m then v. */
  async saveState(): Promise<Float32Array> {
    const out = new Float32Array(this.stateLength);
    if (this.placement === 'host') {
      out.set(this.hostM!, 0);
      out.set(this.hostV!, this.total);
    } else {
      let offset = 0;
      for (const t of [...this.deviceM!, ...this.deviceV!]) {
        out.set((await t.data()) as Float32Array, offset);
        offset += t.size;
      }
    }
    return out;
  }

  loadState(state: Float32Array, step: number, source: string): void {
    if (state.length !== this.stateLength)
      throw new Error(
        `${source} holds ${state.length} optimiser values, expected ${this.stateLength}: it is from another model`,
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
    this.setLastNorm(0);
    for (const t of [...(this.deviceM ?? []), ...(this.deviceV ?? [])]) t.dispose();
  }
}
