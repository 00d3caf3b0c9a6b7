/**
 * The shared memory of a data-parallel training run: the global batch's pixels (written by the
 * coordinator, each worker reads its share), one gradient slot per worker, the weights and AdamW's
 * moments (one copy for all workers), each worker's partial sum of squares, and a control word
 * array for the barrier. Nothing here is copied between threads: every worker sees the same bytes.
 *
 * The optimiser update is sharded: worker w owns parameters `shardOf(w)`. It averages only that
 * range of the slots (summed in slot order 0, 1, …, N-1), adds its sum of squares for the global
 * clip norm (the partial sums are added in worker order by everyone, so every worker clips by the
 * same norm), and updates that range of the shared weights and moments. After the last barrier
 * every worker loads the whole shared weights into its model. A fixed N therefore does the same
 * arithmetic in the same order every run.
 */

export interface SharedTrainingMemory {
  /** Int32 words: see CONTROL. */
  control: SharedArrayBuffer;
  /** Float32 [workers, parameters]. */
  gradients: SharedArrayBuffer;
  /** Float32 [batch, S, S]: the global batch of the current step. */
  pixels: SharedArrayBuffer;
  /** Float32 [parameters], in variable order: the weights after the last step. */
  weights: SharedArrayBuffer;
  /** Float32 [2, parameters]: AdamW's m then v, as AdamW.saveState lays them out. */
  moments: SharedArrayBuffer;
  /** Float64 [workers]: each worker's sum of squares of its range of the averaged gradient. */
  squares: SharedArrayBuffer;
}

const CONTROL = {
  /** Workers that reached the barrier in the current generation. */
  arrived: 0,
  /** Incremented by the last worker to arrive; the others wait for it to change. */
  generation: 1,
  /** Set by the coordinator when a worker died: everyone waiting gives up. */
  aborted: 2,
  words: 3,
} as const;

/** How long a waiting worker sleeps before it looks at the abort flag again. */
const WAIT_SLICE_MS = 50;

export class ExchangeAbortedError extends Error {
  override name = 'ExchangeAbortedError';
}

const f32 = (values: number) => new SharedArrayBuffer(values * Float32Array.BYTES_PER_ELEMENT);

export function allocateSharedMemory(workers: number, parameters: number, batchValues: number): SharedTrainingMemory {
  return {
    control: new SharedArrayBuffer(CONTROL.words * Int32Array.BYTES_PER_ELEMENT),
    gradients: f32(workers * parameters),
    pixels: f32(batchValues),
    weights: f32(parameters),
    moments: f32(2 * parameters),
    squares: new SharedArrayBuffer(workers * Float64Array.BYTES_PER_ELEMENT),
  };
}

/** Tells every worker waiting at (or later reaching) the barrier to give up. */
export function abortExchange(memory: SharedTrainingMemory): void {
  const control = new Int32Array(memory.control);
  Atomics.store(control, CONTROL.aborted, 1);
  Atomics.notify(control, CONTROL.generation);
}

/** The parameters worker `index` of `workers` updates: contiguous, sizes differing by at most one. */
export function shardOf(index: number, workers: number, parameters: number): { lo: number; hi: number } {
  return {
    lo: Math.floor((index * parameters) / workers),
    hi: Math.floor(((index + 1) * parameters) / workers),
  };
}

/** One worker's view of the shared memory. */
export class GradientExchange {
  readonly weights: Float32Array;
  readonly moments: { m: Float32Array; v: Float32Array };
  /** This worker's range of the parameters (shardOf). */
  readonly lo: number;
  readonly hi: number;
  private readonly control: Int32Array;
  private readonly slots: Float32Array[];
  private readonly squares: Float64Array;

  constructor(
    memory: SharedTrainingMemory,
    private readonly workers: number,
    parameters: number,
    readonly index: number,
  ) {
    this.control = new Int32Array(memory.control);
    const all = new Float32Array(memory.gradients);
    if (all.length !== workers * parameters)
      throw new Error(`the gradient memory holds ${all.length} values, expected ${workers} x ${parameters}`);
    this.slots = Array.from({ length: workers }, (_, w) => all.subarray(w * parameters, (w + 1) * parameters));
    this.weights = new Float32Array(memory.weights);
    const moments = new Float32Array(memory.moments);
    this.moments = { m: moments.subarray(0, parameters), v: moments.subarray(parameters) };
    this.squares = new Float64Array(memory.squares);
    ({ lo: this.lo, hi: this.hi } = shardOf(index, workers, parameters));
  }

  /** Where this worker writes its share's gradient. */
  get ownSlot(): Float32Array {
    return this.slots[this.index];
  }

  /** Returns once every worker has called it in this generation; throws if the run was aborted. */
  barrier(): void {
    const generation = Atomics.load(this.control, CONTROL.generation);
    if (Atomics.add(this.control, CONTROL.arrived, 1) === this.workers - 1) {
      Atomics.store(this.control, CONTROL.arrived, 0);
      Atomics.add(this.control, CONTROL.generation, 1);
      Atomics.notify(this.control, CONTROL.generation);
      return;
    }
    while (Atomics.load(this.control, CONTROL.generation) === generation) {
      if (Atomics.load(this.control, CONTROL.aborted))
        throw new ExchangeAbortedError('another data-parallel worker stopped');
      Atomics.wait(this.control, CONTROL.generation, generation, WAIT_SLICE_MS);
    }
  }

  /**
   * The mean of all slots over this worker's range, summed in slot order, into `out` (hi - lo
   * values); publishes the range's sum of squares for `globalNorm`. Call between the barrier after
   * the gradients and the one before the update.
   */
  averageOwnRange(out: Float32Array): void {
    const { lo, hi } = this;
    out.set(this.slots[0].subarray(lo, hi));
    for (let w = 1; w < this.workers; w++) {
      const slot = this.slots[w];
      for (let i = lo; i < hi; i++) out[i - lo] += slot[i];
    }
    let squares = 0;
    for (let i = 0; i < out.length; i++) {
      out[i] /= this.workers;
      squares += out[i] * out[i];
    }
    this.squares[this.index] = squares;
  }

  /** The averaged gradient's L2 norm from every worker's published sum of squares, added in worker order. */
  globalNorm(): number {
    let total = 0;
    for (let w = 0; w < this.workers; w++) total += this.squares[w];
    return Math.sqrt(total);
  }
}
