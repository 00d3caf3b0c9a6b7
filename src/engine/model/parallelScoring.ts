/**
 * Pool scoring on every core: the wasm backend runs one thread in Node, so `score`, `propose` and
 * the re-scoring of collaborative rounds split their batches over worker threads (scoreWorker.ts),
 * each with its own backend, a copy of the model (its weights handed over once in shared memory)
 * and cache reader. The batches are the serial loop's (same ids, same boundaries) and a batch's
 * scores do not depend on the others, so the result equals the serial one exactly, whichever worker scores which batch. Pixels never travel: each worker reads
 * its batch from the cache; the scores land in shared memory. Each worker holds at most
 * `IN_FLIGHT` batches, so memory is bounded by the batch size, not the pool, apart from the
 * outputs (the embedding matrix).
 */
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../shared/engineInfo';
import type { CacheLayout } from '../data/cache';
import type { OptionSpec } from '../command';
import { throwIfCancelled } from '../command';
import { defaultThreads, PARALLEL_BACKENDS, spawnEngineWorker } from './engineWorker';
import type { MaeConfig, MaeModel } from './mae';
import { packTensors } from './mae';
import type { PoolScores, ScoredBox, ScoreOptions } from './scoring';
import {
  boxSamples,
  checkImageSize,
  DEFAULT_DIFFICULTY,
  emptyPoolScores,
  inputFreeFor,
  scoreBoxes,
  scoreSamples,
} from './scoring';
import type { PixelReader } from './trainingData';

/** How many threads to start, and the cache of the pool (each thread opens its own reader of it). */
export interface ScoringThreads {
  workers: number;
  cache: CacheLayout;
}

/** What a scoring worker starts from (its workerData). */
export interface ScoreWorkerInit {
  backend: BackendName;
  cache: CacheLayout;
  config: MaeConfig;
  /** Float32, the model's variables packed in order (packTensors). */
  weights: SharedArrayBuffer;
  options: Pick<ScoreOptions, 'masks' | 'seed' | 'difficulty'>;
  inputFree?: Float32Array;
  /** Shared outputs: the pool's scores (samples) or one value per key patch (boxes). */
  output: { embeddings: SharedArrayBuffer; difficulty: SharedArrayBuffer; patchErrors: SharedArrayBuffer };
}

export type ScoreJob =
  { type: 'samples'; start: number; ids: number[] } | { type: 'boxes'; start: number; patches: ScoredBox[] };

export type ScoreWorkerReply = { type: 'ready' } | { type: 'done' } | { type: 'failed'; message: string };

/** Batches a worker holds at once: one scoring while the next is read from the cache. */
const IN_FLIGHT = 2;

/** `--workers` of score and propose (pretrain's trains data-parallel; bench's counts engine processes). */
export const SCORING_WORKERS_OPTION: OptionSpec = {
  name: 'workers',
  type: 'integer',
  description:
    'scoring threads, each with its own wasm backend, sharing the batches (default: the cores; 1 on GPU backends); the scores do not depend on it',
};

/** The `--workers` of score and propose: checked when asked, else the cores (1 on GPU backends). */
export function resolveScoringWorkers(asked: number | undefined, backend: string, command: string): number {
  if (asked === undefined) return defaultThreads(backend);
  if (!Number.isInteger(asked) || asked < 1)
    throw new Error(`${command}: --workers must be a positive integer, got ${String(asked)}`);
  if (asked > 1 && !PARALLEL_BACKENDS.includes(backend))
    throw new Error(
      `${command}: scoring threads run on the CPU backends (${PARALLEL_BACKENDS.join(', ')}); the ${backend} backend scores in one process: pass --workers 1`,
    );
  return asked;
}

/** scoreSamples, on `threads.workers` threads when there is more than one batch to share. */
export async function scorePool(
  model: MaeModel,
  reader: PixelReader,
  ids: readonly number[],
  options: ScoreOptions,
  threads: ScoringThreads,
): Promise<PoolScores> {
  if (!sharesBatches(ids.length, options, threads)) return scoreSamples(model, reader, ids, options);
  const out = emptyPoolScores(model, ids.length, options.difficulty ?? DEFAULT_DIFFICULTY, sharedFloats);
  await scoreOnThreads(model, reader, ids, ids, options, threads, out, (start, batch) => ({
    type: 'samples',
    start,
    ids: batch,
  }));
  return out;
}

/** scoreBoxes, on `threads.workers` threads when there is more than one batch to share. */
export async function scorePoolBoxes(
  model: MaeModel,
  reader: PixelReader,
  patches: readonly ScoredBox[],
  options: ScoreOptions,
  threads: ScoringThreads,
): Promise<Float32Array> {
  if (!sharesBatches(patches.length, options, threads)) return scoreBoxes(model, reader, patches, options);
  const out = sharedFloats(patches.length);
  const unused = sharedFloats(0);
  const output = { embeddings: unused, difficulty: out, patchErrors: unused };
  await scoreOnThreads(model, reader, patches, boxSamples(patches), options, threads, output, (start, batch) => ({
    type: 'boxes',
    start,
    patches: batch,
  }));
  return out;
}

/** Threads pay only when there are several threads and more than one batch for them. */
function sharesBatches(items: number, options: Pick<ScoreOptions, 'batchSize'>, threads: ScoringThreads): boolean {
  return threads.workers > 1 && items > options.batchSize;
}

function sharedFloats(values: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(values * Float32Array.BYTES_PER_ELEMENT));
}

/**
 * Scores `items` in the serial loop's batches on the threads, each batch made a job by `jobOf`,
 * into the shared `output`; `sampleIds` are the images the input-free predictor is fitted on.
 */
async function scoreOnThreads<T>(
  model: MaeModel,
  reader: PixelReader,
  items: readonly T[],
  sampleIds: readonly number[],
  options: ScoreOptions,
  threads: ScoringThreads,
  output: Record<keyof ScoreWorkerInit['output'], Float32Array>,
  jobOf: (start: number, batch: T[]) => ScoreJob,
): Promise<void> {
  checkImageSize(model, reader);
  const inputFree = await inputFreeFor(model, reader, sampleIds, options);
  const count = Math.ceil(items.length / options.batchSize);
  const job = (index: number) => {
    const start = index * options.batchSize;
    return jobOf(start, items.slice(start, start + options.batchSize));
  };
  await runJobs(threads, await initOf(model, threads, options, inputFree, output), count, job, items.length, options);
}

/** The model's variables packed in order (packTensors) into shared memory: every thread reads the one copy. */
export async function sharedWeights(model: Pick<MaeModel, 'variables'>): Promise<SharedArrayBuffer> {
  const packed = await packTensors(model.variables);
  const weights = new SharedArrayBuffer(packed.byteLength);
  new Uint8Array(weights).set(packed);
  return weights;
}

async function initOf(
  model: MaeModel,
  threads: ScoringThreads,
  options: ScoreOptions,
  inputFree: Float32Array | undefined,
  output: Record<keyof ScoreWorkerInit['output'], Float32Array>,
): Promise<ScoreWorkerInit> {
  const buffer = (a: Float32Array) => a.buffer as SharedArrayBuffer;
  return {
    backend: tf.getBackend() as BackendName,
    cache: threads.cache,
    config: model.config,
    weights: await sharedWeights(model),
    options: { masks: options.masks, seed: options.seed, difficulty: options.difficulty },
    inputFree,
    output: {
      embeddings: buffer(output.embeddings),
      difficulty: buffer(output.difficulty),
      patchErrors: buffer(output.patchErrors),
    },
  };
}

/**
 * Hands jobs 0 … count-1 to the workers, at most IN_FLIGHT each, the next to whichever finishes
 * first; resolves when every job is done. A worker that fails or dies, or a cancel, rejects at
 * once; the workers are stopped either way.
 */
async function runJobs(
  threads: ScoringThreads,
  init: ScoreWorkerInit,
  count: number,
  job: (index: number) => ScoreJob,
  total: number,
  options: Pick<ScoreOptions, 'signal' | 'onProgress' | 'batchSize'>,
): Promise<void> {
  const workers: Worker[] = Array.from({ length: Math.min(threads.workers, count) }, () =>
    spawnEngineWorker('scoreWorker', init),
  );
  let closing = false;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let finished = 0;
      let done = 0;
      const fail = (err: unknown) => {
        closing = true;
        reject(err);
      };
      const give = (worker: Worker) => {
        if (next < count && !closing) worker.postMessage(job(next++));
      };
      onAbort = () => {
        try {
          throwIfCancelled(options.signal!);
        } catch (err) {
          fail(err);
        }
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort();
      workers.forEach((worker, i) => {
        const name = `scoring worker ${i} of ${workers.length}`;
        let lastError: Error | undefined;
        worker.on('message', (reply: ScoreWorkerReply) => {
          if (reply.type === 'failed') return fail(new Error(`${name} failed: ${reply.message}`));
          if (reply.type === 'ready') {
            for (let k = 0; k < IN_FLIGHT; k++) give(worker);
            return;
          }
          finished += 1;
          done = Math.min(total, done + options.batchSize);
          // A progress callback that throws fails the scoring, as it does the serial loop.
          try {
            options.onProgress?.(finished === count ? total : done, total);
          } catch (err) {
            return fail(err);
          }
          if (finished === count) {
            closing = true;
            resolve();
          } else give(worker);
        });
        worker.on('error', (err) => {
          lastError = err;
        });
        worker.on('exit', (code) => {
          if (!closing)
            fail(new Error(`${name} stopped${lastError ? `: ${lastError.message}` : ` (exit code ${code})`}`));
        });
      });
    });
  } finally {
    closing = true;
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
