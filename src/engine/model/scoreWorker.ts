/**
 * One pool-scoring worker (a worker thread; bundled as dist/engine/scoreWorker.js; see
 * parallelScoring.ts): its own backend, a copy of the coordinator's model and a reader of the
 * run's cache over its parent's sample positions. Each job is one batch of the serial loop; its scores go straight into the shared
 * outputs at the batch's place.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backends/select';
import { cacheReader } from '../data/cache';
import { assignFlat, MaeModel } from './mae';
import type { ScoreJob, ScoreWorkerInit, ScoreWorkerReply } from './parallelScoring';
import { inputFreeTensor, placeBatch, scoreBoxBatch, scoreSampleBatch } from './scoring';

async function main(): Promise<void> {
  const init = workerData as ScoreWorkerInit;
  const port = parentPort!;
  // Variables must be made after the backend is set (ENVIRONMENT.md), so select it first.
  await selectBackend(init.backend);
  const model = MaeModel.create(init.config, 0);
  assignFlat(new Float32Array(init.weights), model.variables);
  const cache = cacheReader(init.cache);
  const inputFree = inputFreeTensor(model, init.inputFree);
  const { options } = init;
  const pool = {
    embeddingDim: model.config.dim,
    patchesPerSide: model.grid,
    embeddings: new Float32Array(init.output.embeddings),
    difficulty: new Float32Array(init.output.difficulty),
    patchErrors: new Float32Array(init.output.patchErrors),
  };

  const run = async (job: ScoreJob): Promise<void> => {
    if (job.type === 'samples') {
      const pixels = await cache.read(job.ids);
      placeBatch(pool, job.start, await scoreSampleBatch(model, pixels, job.ids, options, inputFree));
    } else pool.difficulty.set(await scoreBoxBatch(model, cache, job.patches, options, inputFree), job.start);
  };

  port.on('message', (job: ScoreJob) => {
    run(job).then(
      () => port.postMessage({ type: 'done' } satisfies ScoreWorkerReply),
      (err: unknown) =>
        port.postMessage({
          type: 'failed',
          message: err instanceof Error ? err.message : String(err),
        } satisfies ScoreWorkerReply),
    );
  });
  port.postMessage({ type: 'ready' } satisfies ScoreWorkerReply);
}

// A failure before 'ready' is an uncaught error of the thread: the coordinator reports it by index.
void main();
