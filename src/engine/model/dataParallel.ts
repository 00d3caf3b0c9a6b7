/**
 * Data-parallel training inside one run: the wasm backend is single-threaded in Node, so one run
 * used one core. N worker threads (trainWorker.ts) each hold a copy of the model and the
 * optimiser; each step the coordinator (the main thread) writes the global batch into shared
 * memory, every worker takes its 1/N share (masked as in the whole batch), and the workers average
 * their gradients in shared memory (gradientExchange.ts), each applying AdamW to its 1/N of the
 * shared weights and moments, then all loading the new weights. The loss is
 * a mean over equally sized shares that each hide the same number of patches, so the averaged
 * gradient is the whole batch's gradient: N workers follow the 1-worker optimisation within float
 * rounding, and a fixed N reproduces itself bit for bit.
 *
 * The weights and moments live in shared memory: the coordinator writes them there at the start and
 * reads them from there for a checkpoint, which is then saved in the usual format; no message
 * carries them.
 */
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../shared/engineInfo';
import type { AdamW, AdamWOptions } from './adamw';
import { defaultThreads, PARALLEL_BACKENDS, spawnEngineWorker } from './engineWorker';
import type { SharedTrainingMemory } from './gradientExchange';
import { abortExchange, allocateSharedMemory } from './gradientExchange';
import type { MaeConfig, MaeModel } from './mae';
import { assignFlat, packTensors } from './mae';

/** What a worker starts from (its workerData). */
export interface WorkerInit {
  index: number;
  workers: number;
  batchSize: number;
  backend: BackendName;
  config: MaeConfig;
  optimizer: AdamWOptions;
  /** AdamW's step count at the start (the weights and moments are in `memory`). */
  optimizerStep: number;
  memory: SharedTrainingMemory;
}

export type WorkerRequest = { type: 'step'; maskSeed: number; lr: number };

export interface WorkerMemory {
  numTensors: number;
  numBytes: number;
}

/** Milliseconds of one worker's step, by phase (what the benchmark reports). */
export interface StepPhases {
  /** Forward, backward and writing the gradient to the shared slot. */
  gradient: number;
  /** Waiting at the barrier for the slowest worker's gradient. */
  wait: number;
  /** Averaging its range, the clip norm's exchange and AdamW on its range (two more barriers). */
  update: number;
  /** Loading the new shared weights into its model. */
  load: number;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'stepped'; loss: number; memory: WorkerMemory; phases: StepPhases }
  | { type: 'failed'; message: string };

/**
 * The number of workers to train with. Not asked: the available cores, capped by the batch size
 * and lowered to a divisor of it (shares must be equal for the mean of share losses to be the
 * batch loss); 1 on GPU backends. Asked: checked, with the fix in the message.
 */
export function resolveWorkers(asked: number | undefined, batchSize: number, backend: string): number {
  const parallel = PARALLEL_BACKENDS.includes(backend);
  if (asked === undefined) {
    let n = Math.min(defaultThreads(backend), batchSize);
    while (batchSize % n !== 0) n -= 1;
    return n;
  }
  if (!Number.isInteger(asked) || asked < 1)
    throw new Error(`pretrain option workers must be a positive integer, got ${String(asked)}`);
  if (asked > 1 && !parallel)
    throw new Error(
      `data-parallel workers run on the CPU backends (${PARALLEL_BACKENDS.join(', ')}); the ${backend} backend trains in one process: pass --workers 1`,
    );
  if (batchSize % asked !== 0)
    throw new Error(
      `--workers ${asked} does not divide the batch size ${batchSize} into equal shares; pick a divisor of ${batchSize}`,
    );
  return asked;
}

export interface StepReport {
  /** The global batch's loss (the mean of the shares' losses, in worker order). */
  loss: number;
  memory: WorkerMemory[];
  phases: StepPhases[];
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(err: Error): void;
}

export class DataParallelTrainer {
  private readonly pending: Array<Pending | undefined>;
  private readonly pixels: Float32Array;
  /** Set once a worker stopped: every later request fails with it. */
  private failure?: Error;
  private step = -1;

  private constructor(
    private readonly workers: Worker[],
    private readonly memory: SharedTrainingMemory,
    /** AdamW's step count in the workers (each applies one update per run). */
    private optimizerStep: number,
  ) {
    this.pending = workers.map(() => undefined);
    this.pixels = new Float32Array(memory.pixels);
  }

  /** Starts `workers` threads from the model's and optimiser's current state; resolves when all are ready. */
  static async start(
    model: MaeModel,
    optimizer: AdamW,
    options: { workers: number; batchSize: number; optimizer: AdamWOptions },
  ): Promise<DataParallelTrainer> {
    const { workers: count, batchSize } = options;
    const parameters = model.variables.reduce((s, v) => s + v.size, 0);
    const memory = allocateSharedMemory(count, parameters, batchSize * model.config.imageSize ** 2);
    new Float32Array(memory.weights).set(new Float32Array((await packTensors(model.variables)).buffer));
    new Float32Array(memory.moments).set(await optimizer.saveState());
    const base = {
      workers: count,
      batchSize,
      backend: tf.getBackend() as BackendName,
      config: model.config,
      optimizer: options.optimizer,
      optimizerStep: optimizer.step,
      memory,
    };
    const threads = Array.from({ length: count }, (_, index) =>
      spawnEngineWorker('trainWorker', { ...base, index } satisfies WorkerInit),
    );
    const trainer = new DataParallelTrainer(threads, memory, optimizer.step);
    threads.forEach((w, i) => trainer.watch(w, i));
    try {
      await Promise.all(threads.map((_, i) => trainer.reply(i)));
    } catch (err) {
      await trainer.close();
      throw err;
    }
    return trainer;
  }

  /** One optimiser step on the global batch `pixels` of step `step`. */
  async run(step: number, pixels: Float32Array, maskSeed: number, lr: number): Promise<StepReport> {
    this.step = step;
    this.pixels.set(pixels);
    const replies = await this.all({ type: 'step', maskSeed, lr });
    const stepped = replies.map((r) => r as Extract<WorkerReply, { type: 'stepped' }>);
    this.optimizerStep += 1;
    return {
      loss: stepped.reduce((s, r) => s + r.loss, 0) / stepped.length,
      memory: stepped.map((r) => r.memory),
      phases: stepped.map((r) => r.phases),
    };
  }

  /**
   * Copies the shared weights and optimiser state into `model` and `optimizer`. Call between steps
   * (no worker writes them then).
   */
  pull(model: MaeModel, optimizer: AdamW): void {
    if (this.failure) throw this.failure;
    assignFlat(new Float32Array(this.memory.weights).slice(), model.variables);
    optimizer.loadState(new Float32Array(this.memory.moments), this.optimizerStep, 'the data-parallel workers');
  }

  async close(): Promise<void> {
    this.fail(new Error('the data-parallel workers were closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private async all(request: WorkerRequest): Promise<WorkerReply[]> {
    this.workers.forEach((_, i) => this.send(i, request));
    return Promise.all(this.workers.map((_, i) => this.reply(i)));
  }

  private send(index: number, request: WorkerRequest): void {
    if (!this.failure) this.workers[index].postMessage(request);
  }

  private reply(index: number): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending[index] = { resolve, reject };
    });
  }

  private watch(worker: Worker, index: number): void {
    const name = `data-parallel worker ${index} of ${this.workers.length}`;
    let lastError: Error | undefined;
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'failed') return this.fail(new Error(`${name} failed${this.at()}: ${reply.message}`));
      const waiting = this.pending[index];
      this.pending[index] = undefined;
      waiting?.resolve(reply);
    });
    worker.on('error', (err) => {
      lastError = err;
    });
    worker.on('exit', (code) => {
      const why = lastError ? `: ${lastError.message}` : ` (exit code ${code})`;
      this.fail(
        new Error(
          `${name} stopped${this.at()}${why}; the run resumes from its last checkpoint when started again (--workers 1 trains in this thread)`,
        ),
      );
    });
  }

  /** The first failure ends the run: the others are told to stop waiting, every request fails with it. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    abortExchange(this.memory);
    for (const waiting of this.pending) waiting?.reject(err);
    this.pending.fill(undefined);
  }

  private at(): string {
    return this.step >= 0 ? ` at step ${this.step}` : ' while starting';
  }
}
