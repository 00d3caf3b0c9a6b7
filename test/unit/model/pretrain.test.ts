import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CancelledError } from '../../../src/engine/command';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { pretrain } from '../../../src/engine/model/pretrain';
import { recordingContext, syntheticImages, trainingFixture, useWasm } from './helpers';

const { size: SIZE, pool, ids, base, tempRun } = trainingFixture('pretrain', 8);

function weights(model: MaeModel): number[] {
  return model.variables.flatMap((v) => Array.from(v.dataSync()));
}

test('the loss falls on structured images within a few hundred steps, with loss metrics and events', async () => {
  await useWasm();
  const run = tempRun();
  const model = MaeModel.create(maeConfig('micro'), 1);
  const ctx = recordingContext();
  const result = await pretrain(
    model,
    { ids, cache: pool },
    { ...base, steps: 200, checkpointEvery: 100, warmupSteps: 10 },
    run,
    'pretrain',
    ctx,
  );
  const losses = ctx.events.filter((e) => e.kind === 'metric' && e.name === 'loss').map((e) => e.value!);
  assert.equal(result.steps, 200);
  assert.ok(losses.length >= 50);
  const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(last < 0.7 * first, `loss fell from ${first.toFixed(3)} to ${last.toFixed(3)}`);
  const lines = fs
    .readFileSync(path.join(run, 'metrics', 'pretrain.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.name === 'loss' && l.step === 200));
  assert.ok(fs.existsSync(path.join(run, 'checkpoints', 'pretrain', 'latest.json')));
  model.dispose();
});

test('tensor count stays flat over training steps', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 1);
  const counts: number[] = [];
  const ctx = recordingContext(() => counts.push(tf.memory().numTensors));
  await pretrain(model, { ids, cache: pool }, { ...base, steps: 6, checkpointEvery: 100 }, tempRun(), 'pretrain', ctx);
  assert.equal(new Set(counts).size, 1, `numTensors per step: ${counts.join(', ')}`);
  model.dispose();
});

test('a run cancelled or crashed midway and resumed ends with the same weights as an uninterrupted run', async () => {
  await useWasm();
  const straight = MaeModel.create(maeConfig('micro'), 1);
  await pretrain(straight, { ids, cache: pool }, base, tempRun(), 'pretrain', recordingContext());
  const expected = weights(straight);

  // Cancel at step 5: a checkpoint is written on cancel, the resumed run continues from step 5.
  const cancelledRun = tempRun();
  const first = MaeModel.create(maeConfig('micro'), 1);
  await assert.rejects(
    pretrain(
      first,
      { ids, cache: pool },
      base,
      cancelledRun,
      'pretrain',
      recordingContext((done, ctx) => done === 5 && ctx.abort()),
    ),
    CancelledError,
  );
  // A fresh process would build a new model (any seed) and resume from the checkpoint.
  const resumed = MaeModel.create(maeConfig('micro'), 99);
  const result = await pretrain(resumed, { ids, cache: pool }, base, cancelledRun, 'pretrain', recordingContext());
  assert.equal(result.resumedFrom, 5);
  assert.deepEqual(weights(resumed), expected);

  // A crash at step 5 (no checkpoint written then) resumes from the step-3 checkpoint.
  const crashedRun = tempRun();
  const crashing = MaeModel.create(maeConfig('micro'), 1);
  await assert.rejects(
    pretrain(
      crashing,
      { ids, cache: pool },
      base,
      crashedRun,
      'pretrain',
      recordingContext((done) => {
        if (done === 5) throw new Error('simulated crash');
      }),
    ),
    /simulated crash/,
  );
  const afterCrash = MaeModel.create(maeConfig('micro'), 7);
  assert.equal(
    (await pretrain(afterCrash, { ids, cache: pool }, base, crashedRun, 'pretrain', recordingContext())).resumedFrom,
    3,
  );
  assert.deepEqual(weights(afterCrash), expected);
  const metricSteps = fs
    .readFileSync(path.join(crashedRun, 'metrics', 'pretrain.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.name === 'loss')
    .map((l) => l.step);
  assert.deepEqual(
    metricSteps,
    [...new Set(metricSteps)].sort((a, b) => a - b),
    'no step is logged twice after a resume',
  );
  for (const m of [straight, first, resumed, crashing, afterCrash]) m.dispose();
});

test('a checkpoint whose optimizer.bin is not the size the model implies is refused by its size, naming the file', async () => {
  await useWasm();
  const run = tempRun();
  const model = MaeModel.create(maeConfig('micro'), 1);
  await pretrain(model, { ids, cache: pool }, { ...base, steps: 3 }, run, 'pretrain', recordingContext());
  const pointer = path.join(run, 'checkpoints', 'pretrain', 'latest.json');
  const file = path.join(path.dirname(pointer), JSON.parse(fs.readFileSync(pointer, 'utf8')).dir, 'optimizer.bin');
  const needed = fs.statSync(file).size;
  // A sparse 3 GiB file (a few bytes in a shared tar): read whole, it fills the memory or fails with a bare "File size".
  for (const size of [3 * 1024 ** 3, 100]) {
    fs.truncateSync(file, size);
    await assert.rejects(
      pretrain(model, { ids, cache: pool }, base, run, 'pretrain', recordingContext()),
      (err: Error) => err.message.startsWith(`${file} has ${size} bytes, the model's optimiser state takes ${needed}`),
    );
  }
  model.dispose();
});

test('training stopped at a round end and continued follows one schedule: the weights of an uninterrupted run', async () => {
  await useWasm();
  const straight = MaeModel.create(maeConfig('micro'), 1);
  const straightRun = tempRun();
  await pretrain(straight, { ids, cache: pool }, base, straightRun, 'train', recordingContext());
  const rounds = tempRun();
  const model = MaeModel.create(maeConfig('micro'), 1);
  const half = Math.floor(base.steps / 2);
  assert.equal(
    (await pretrain(model, { ids, cache: pool }, base, rounds, 'train', recordingContext(), half)).steps,
    half,
  );
  await pretrain(model, { ids, cache: pool }, base, rounds, 'train', recordingContext());
  assert.deepEqual(weights(model), weights(straight));
  const lrs = (run: string) =>
    fs
      .readFileSync(path.join(run, 'metrics', 'train.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.name === 'lr')
      .map((l) => [l.step, l.value]);
  assert.deepEqual(lrs(rounds), lrs(straightRun), 'the learning rate of every logged step is the same');
  assert.ok(
    lrs(rounds).find(([step]) => step === half)![1] > base.lr / 10,
    'the rate does not fall to zero at the round end',
  );
  straight.dispose();
  model.dispose();
});

test('a cancel from outside reaches training on samples held in memory (no I/O between steps)', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 1);
  // The abort comes from a timer after step 3 (as a host's cancel message comes from outside the step).
  const ctx = recordingContext((done, c) => done === 3 && void setTimeout(() => c.abort(), 0));
  // Only generated samples: every batch is read from memory, so nothing else yields to the event loop.
  const extra = syntheticImages(16, SIZE, 9);
  await assert.rejects(
    pretrain(model, { ids: [], cache: pool, extra }, { ...base, steps: 20_000 }, tempRun(), 'train', ctx),
    CancelledError,
  );
  const done = ctx.events.filter((e) => e.kind === 'progress').length;
  assert.ok(done >= 3 && done < 20, `stopped ${done - 3} steps after the cancel`);
  model.dispose();
});

test('generated samples train alongside pool samples; a model of another image size is refused', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 1);
  const extra = syntheticImages(5, SIZE, 9);
  const result = await pretrain(
    model,
    { ids: [0, 1], cache: pool, extra },
    { ...base, steps: 2 },
    tempRun(),
    'train',
    recordingContext(),
  );
  assert.equal(result.steps, 2);
  const wrong = MaeModel.create(maeConfig('micro', 32), 1);
  await assert.rejects(
    pretrain(wrong, { ids, cache: pool }, base, tempRun(), 'train', recordingContext()),
    /16 px images but the model takes 32 px/,
  );
  model.dispose();
  wrong.dispose();
});
