/**
 * The shared memory of a data-parallel training run: the global batch's pixels (written by the
 * coordinator, each worker reads its share), one gradient slot per worker, and a control word
 * array for the barrier. Nothing here is copied between threads: every worker sees the same bytes.
 *
 * Every worker sums the slots in the same order (0, 1, …, N-1) with the same arithmetic, so all
 * of them hold bit-identical averaged gradients and, after the same optimiser step, identical
 * weights; no weights ever travel during training.
 */

export interface SharedTrainingMemory {
  /** Int32 words: see CONTROL. */
  control: SharedArrayBuffer;
  /** Float32 [workers, parameters]. */
  gradients: SharedArrayBuffer;
  /** Float32 [batch, S, S]: the global batch of the current step. */
  pixels: SharedArrayBuffer;
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

export function allocateSharedMemory(workers: number, parameters: number, batchValues: number): SharedTrainingMemory {
  return {
    control: new SharedArrayBuffer(CONTROL.words * Int32Array.BYTES_PER_ELEMENT),
    gradients: new SharedArrayBuffer(workers * parameters * Float32Array.BYTES_PER_ELEMENT),
    pixels: new SharedArrayBuffer(batchValues * Float32Array.BYTES_PER_ELEMENT),
  };
}

/** Tells every worker waiting at (or later reaching) the barrier to give up. */
export function abortExchange(memory: SharedTrainingMemory): void {
  const control = new Int32Array(memory.control);
  Atomics.store(control, CONTROL.aborted, 1);
  Atomics.notify(control, CONTROL.generation);
}

/** One worker's view of the shared memory. */
export class GradientExchange {
  private readonly control: Int32Array;
  private readonly slots: Float32Array[];

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

  /** The mean of all slots, summed in slot order (the same in every worker), into `out`. */
  average(out: Float32Array): void {
    out.set(this.slots[0]);
    for (let w = 1; w < this.workers; w++) {
      const slot = this.slots[w];
      for (let i = 0; i < out.length; i++) out[i] += slot[i];
    }
    for (let i = 0; i < out.length; i++) out[i] /= this.workers;
  }
}
