/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter), written out because TensorFlow.js's
 * Adam folds no decay and its state cannot be saved or restored. Follows PyTorch's AdamW update
 * exactly, with global-norm gradient clipping before it. Biases, norms and the mask token are not
 * decayed (as in the MAE recipe).
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

export class AdamW {
  /** Updates applied so far (the t of bias correction). */
  step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    private readonly params: readonly OptimisedVariable[],
    private readonly options: AdamWOptions,
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.95;
    this.epsilon = options.epsilon ?? 1e-8;
    this.m = params.map((p) => tf.variable(tf.zerosLike(p.variable), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p.variable), false));
  }

  /**
   * One update with learning rate `lr`; `grads` in the order of the variables given to the
   * constructor. Returns the gradient norm before clipping (a scalar the caller disposes).
   */
  apply(grads: readonly tf.Tensor[], lr: number): tf.Scalar {
    if (grads.length !== this.params.length) throw new Error(`AdamW got ${grads.length} gradients for ${this.params.length} variables`);
    this.step += 1;
    const { beta1, beta2, epsilon } = this;
    const biasCorrection1 = 1 - beta1 ** this.step;
    const sqrtBiasCorrection2 = Math.sqrt(1 - beta2 ** this.step);
    return tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
      const scale = this.options.clipNorm > 0 ? tf.minimum(1, tf.div(this.options.clipNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      this.params.forEach(({ variable, decay }, i) => {
        const g = tf.mul(grads[i], scale);
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const denominator = tf.add(tf.div(tf.sqrt(v), sqrtBiasCorrection2), epsilon);
        const decayed = decay && this.options.weightDecay > 0 ? tf.mul(variable, 1 - lr * this.options.weightDecay) : variable;
        variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), lr / biasCorrection1)));
      });
      return tf.keep(norm);
    });
  }

  /** First and second moments, in variable order (for checkpoints). */
  stateTensors(): tf.Variable[] {
    return [...this.m, ...this.v];
  }

  dispose(): void {
    for (const t of this.stateTensors()) t.dispose();
  }
}
