/**
 * One data-parallel training worker (a worker thread; bundled as dist/engine/trainWorker.js). It
 * holds its own backend and model; each step it computes the gradient of its share of the global
 * batch into its shared slot, then (gradientExchange.ts) averages its range of the parameters over
 * all slots, applies AdamW to that range of the shared weights and moments, and loads the whole
 * shared weights, so every worker ends the step with the same weights.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backends/select';
import { AdamW } from './adamw';
import type { StepPhases, WorkerInit, WorkerReply, WorkerRequest } from './dataParallel';
import { GradientExchange } from './gradientExchange';
import { assignFlat, MaeModel } from './mae';
import { lossAndGradients } from './pretrain';

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  // Variables must be made after the backend is set (ENVIRONMENT.md), so select it first.
  await selectBackend(init.backend);
  const model = MaeModel.create(init.config, 0);
  const parameters = model.variables.reduce((s, v) => s + v.size, 0);
  const exchange = new GradientExchange(init.memory, init.workers, parameters, init.index);
  const load = () => assignFlat(exchange.weights.slice(), model.variables);
  load();
  const optimizer = new AdamW(model.namedVariables, init.optimizer, 'host', exchange.moments);
  optimizer.step = init.optimizerStep;
  const pixels = new Float32Array(init.memory.pixels);
  const shareValues = pixels.length / init.workers;
  const firstSample = (init.index * init.batchSize) / init.workers;
  const averaged = new Float32Array(exchange.hi - exchange.lo);
  const size = init.config.imageSize;

  const step = (request: Extract<WorkerRequest, { type: 'step' }>): WorkerReply => {
    const t0 = performance.now();
    const share = pixels.subarray(init.index * shareValues, (init.index + 1) * shareValues);
    const loss = tf.tidy(() => {
      const { value, grads } = lossAndGradients(model, share, size, request.maskSeed, firstSample);
      let offset = 0;
      for (const g of grads) {
        exchange.ownSlot.set(g.dataSync() as Float32Array, offset);
        offset += g.size;
      }
      return value.dataSync()[0];
    });
    const t1 = performance.now();
    exchange.barrier();
    const t2 = performance.now();
    exchange.averageOwnRange(averaged);
    exchange.barrier();
    optimizer.applySlice(exchange.weights, averaged, exchange.lo, exchange.hi, exchange.globalNorm(), request.lr);
    exchange.barrier();
    const t3 = performance.now();
    // A copy: the cpu backend keeps the array a tensor is made from, and the shared weights change next step.
    load();
    const phases: StepPhases = { gradient: t1 - t0, wait: t2 - t1, update: t3 - t2, load: performance.now() - t3 };
    const { numTensors, numBytes } = tf.memory();
    return { type: 'stepped', loss, memory: { numTensors, numBytes }, phases };
  };

  port.on('message', (request: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      reply = step(request);
    } catch (err) {
      reply = { type: 'failed', message: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
}

// A failure before 'ready' is an uncaught error of the thread: the coordinator reports it by index.
void main();
