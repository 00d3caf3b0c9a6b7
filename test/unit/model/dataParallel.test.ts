import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { AdamW } from '../../../src/engine/model/adamw';
import { checkpointDir, latestCheckpoint, restoreCheckpoint } from '../../../src/engine/model/checkpoint';
import { DataParallelTrainer, resolveWorkers, type StepReport } from '../../../src/engine/model/dataParallel';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import type { PretrainOptions } from '../../../src/engine/model/pretrain';
import { pretrain } from '../../../src/engine/model/pretrain';
import { recordingContext, syntheticImages, trainingFixture, useWasm } from './helpers';

const { size: SIZE, pool, ids, base, tempRun } = trainingFixture('parallel', 6);

interface Trained {
  /** Every variable's values by name. */
  weights: Map<string, Float32Array>;
  /** AdamW's moments (m then v), restored from the last checkpoint. */
  moments: Float32Array;
  loss: number;
}

async function trained(options: PretrainOptions, run = tempRun()): Promise<Trained> {
  const model = MaeModel.create(maeConfig('micro'), 1);
  const optimizer = new AdamW(model.namedVariables, { weightDecay: options.weightDecay, clipNorm: options.clipNorm });
  try {
    const result = await pretrain(model, { ids, cache: pool }, options, run, 'pretrain', recordingContext());
    assert.equal(result.workers, options.workers);
    const weights = new Map(model.namedVariables.map((n) => [n.name, Float32Array.from(n.variable.dataSync())]));
    const latest = await latestCheckpoint(checkpointDir(run, 'pretrain'));
    await restoreCheckpoint(latest!.dir, model, optimizer, latest!.state.optimizerStep);
    return { weights, moments: await optimizer.saveState(), loss: result.finalLoss };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function flat(weights: Map<string, Float32Array>, keep: (name: string) => boolean = () => true): Float32Array {
  return Float32Array.from([...weights].filter(([name]) => keep(name)).flatMap(([, v]) => Array.from(v)));
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let most = 0;
  for (let i = 0; i < a.length; i++) most = Math.max(most, Math.abs(a[i] - b[i]));
  return most;
}

// Attention's key biases shift every score of a query by the same amount, which softmax ignores:
// their true gradient is zero and what the backend computes is rounding noise, which AdamW's
// normalised step turns into lr-sized moves (in one worker as in two). Everything else must agree.
const isKeyBias = (name: string): boolean => name.endsWith('.k.b');

test('2 workers follow the 1-worker optimisation on the same global batches (to 1e-5)', async () => {
  await useWasm();
  const one = await trained({ ...base, workers: 1 });
  const two = await trained({ ...base, workers: 2 });
  const weights = maxDifference(
    flat(one.weights, (n) => !isKeyBias(n)),
    flat(two.weights, (n) => !isKeyBias(n)),
  );
  assert.ok(weights < 1e-5, `weights differ by up to ${weights}`);
  const moments = maxDifference(one.moments, two.moments);
  assert.ok(moments < 1e-5, `AdamW moments differ by up to ${moments}`);
  assert.ok(Math.abs(one.loss - two.loss) < 1e-5, `losses ${one.loss} and ${two.loss}`);
  // The comparison can fail: training moved the weights far more than the tolerance.
  const untrained = MaeModel.create(maeConfig('micro'), 1);
  const start = new Map(untrained.namedVariables.map((n) => [n.name, Float32Array.from(n.variable.dataSync())]));
  untrained.dispose();
  assert.ok(maxDifference(flat(start), flat(one.weights)) > 1e-3);
});

test('a fixed number of workers reproduces itself bit for bit', async () => {
  await useWasm();
  const first = await trained({ ...base, workers: 2 });
  const second = await trained({ ...base, workers: 2 });
  assert.deepEqual(flat(first.weights), flat(second.weights));
  assert.deepEqual(first.moments, second.moments);
});

test('a killed worker fails the step naming it, and the run resumes from its last checkpoint', async () => {
  await useWasm();
  const straight = await trained({ ...base, workers: 2 });
  const run = tempRun();
  const spawned: Worker[] = [];
  const collect = (w: Worker) => spawned.push(w);
  process.on('worker', collect);
  const model = MaeModel.create(maeConfig('micro'), 1);
  // Step 4 is past the checkpoint at step 3: the kill loses one step, which the resume redoes.
  const ctx = recordingContext((done) => {
    if (done === 4) void spawned[1].terminate();
  });
  await assert.rejects(
    pretrain(model, { ids, cache: pool }, { ...base, workers: 2 }, run, 'pretrain', ctx),
    /data-parallel worker 1 of 2 stopped at step [45].*resumes from its last checkpoint/,
  );
  process.off('worker', collect);
  assert.equal(spawned.length, 2);
  const result = await pretrain(
    model,
    { ids, cache: pool },
    { ...base, workers: 2 },
    run,
    'pretrain',
    recordingContext(),
  );
  assert.equal(result.resumedFrom, 3);
  assert.equal(result.steps, base.steps);
  const resumed = Float32Array.from(model.variables.flatMap((v) => Array.from(v.dataSync())));
  model.dispose();
  assert.deepEqual(resumed, flat(straight.weights));
});

test("workers' tensors and backend memory stay flat over steps", async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 1);
  const options = { weightDecay: 0.05, clipNorm: 1 };
  const optimizer = new AdamW(model.namedVariables, options);
  const trainer = await DataParallelTrainer.start(model, optimizer, { workers: 2, batchSize: 8, optimizer: options });
  try {
    const pixels = syntheticImages(8, SIZE, 9);
    const reports: StepReport[] = [];
    for (let step = 0; step < 5; step++) reports.push(await trainer.run(step, pixels, step, 1e-3));
    for (const worker of [0, 1]) {
      const counts = new Set(reports.map((r) => r.memory[worker].numTensors));
      const bytes = new Set(reports.map((r) => r.memory[worker].numBytes));
      assert.equal(
        counts.size,
        1,
        `worker ${worker} tensors per step: ${reports.map((r) => r.memory[worker].numTensors)}`,
      );
      assert.equal(bytes.size, 1, `worker ${worker} bytes per step: ${reports.map((r) => r.memory[worker].numBytes)}`);
    }
    assert.ok(reports.every((r) => Number.isFinite(r.loss)));
  } finally {
    await trainer.close();
    optimizer.dispose();
    model.dispose();
  }
});

test('the worker count defaults to the cores, divides the batch, and is refused on GPU backends', () => {
  assert.equal(batchDivides(resolveWorkers(undefined, 6, 'wasm'), 6), true);
  assert.equal(resolveWorkers(undefined, 1, 'wasm'), 1);
  assert.equal(resolveWorkers(undefined, 64, 'webgpu'), 1);
  assert.equal(resolveWorkers(4, 8, 'wasm'), 4);
  assert.throws(() => resolveWorkers(3, 8, 'wasm'), /does not divide the batch size 8/);
  assert.throws(() => resolveWorkers(2, 8, 'webgpu'), /pass --workers 1/);
  assert.throws(() => resolveWorkers(0, 8, 'wasm'), /positive integer/);
});

function batchDivides(workers: number, batch: number): boolean {
  return workers >= 1 && batch % workers === 0;
}
