/**
 * One data-parallel training worker (a worker thread; bundled as dist/engine/trainWorker.js). It
 * holds its own backend, model and optimiser; each step it computes the gradient of its share of
 * the global batch, writes it to its shared slot, waits for the others, averages all slots and
 * applies the optimiser step, so every worker ends the step with the same weights.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backends/select';
import { AdamW } from './adamw';
import type { WorkerInit, WorkerReply, WorkerRequest } from './dataParallel';
import { GradientExchange } from './gradientExchange';
import { MaeModel, packTensors, unpackInto } from './mae';
import { lossAndGradients } from './pretrain';

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  // Variables must be made after the backend is set (ENVIRONMENT.md), so select it first.
  await selectBackend(init.backend);
  const model = MaeModel.create(init.config, 0);
  unpackInto(bytesOf(init.weights), model.variables, 'the coordinator');
  const optimizer = new AdamW(model.namedVariables, init.optimizer);
  optimizer.loadState(init.optimizerState, init.optimizerStep, 'the coordinator');
  const parameters = model.variables.reduce((s, v) => s + v.size, 0);
  const exchange = new GradientExchange(init.memory, init.workers, parameters, init.index);
  const pixels = new Float32Array(init.memory.pixels);
  const shareValues = pixels.length / init.workers;
  const firstSample = (init.index * init.batchSize) / init.workers;
  const averaged = new Float32Array(parameters);
  const size = init.config.imageSize;

  const step = (request: Extract<WorkerRequest, { type: 'step' }>): WorkerReply => {
    const share = pixels.slice(init.index * shareValues, (init.index + 1) * shareValues);
    const loss = tf.tidy(() => {
      const { value, grads } = lossAndGradients(model, share, size, request.maskSeed, firstSample);
      let offset = 0;
      for (const g of grads) {
        exchange.ownSlot.set(g.dataSync() as Float32Array, offset);
        offset += g.size;
      }
      return value.dataSync()[0];
    });
    exchange.barrier();
    exchange.average(averaged);
    optimizer.applyFlat(averaged, request.lr);
    const { numTensors, numBytes } = tf.memory();
    return { type: 'stepped', loss, memory: { numTensors, numBytes } };
  };

  port.on('message', (request: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      if (request.type === 'step') reply = step(request);
      else
        reply = {
          type: 'state',
          weights: new Float32Array(packTensors(model.variables).buffer),
          optimizerState: optimizer.saveState(),
          optimizerStep: optimizer.step,
        };
    } catch (err) {
      reply = { type: 'failed', message: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

// A failure before 'ready' is an uncaught error of the thread: the coordinator reports it by index.
void main();
