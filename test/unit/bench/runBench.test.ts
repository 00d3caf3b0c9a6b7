import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backends/select';
import { quietContext, type CommandContext } from '../../../src/engine/command';
import { DEFAULT_FINETUNE, fineTune, type LabelledData } from '../../../src/engine/downstream/finetune';
import { finetuneOptions } from '../../../src/engine/commands/finetuneArgs';
import {
  cellSignature,
  plannedEncoders,
  runBench,
  type BenchPlan,
  type EncoderFactory,
} from '../../../src/engine/bench/runBench';
import { linearPatchEncoder, squaresData } from '../downstream/fixtures';
import type { OptidelImages } from '../../../src/shared/commands';

before(async () => {
  await selectBackend('wasm');
});

const ctx = quietContext();

/** Linear encoders whose weights depend on method and seed; counts what it was asked for. */
function countingFactory(asked: string[]): EncoderFactory {
  return {
    async encoder(method, seed, budget) {
      asked.push(`${method}/${seed}/${budget}`);
      const encoder = linearPatchEncoder(16, 4, 8, seed * 10 + method.length);
      return {
        encoder,
        pretrainSteps: method === 'scratch' ? 0 : 5,
        samples: 3,
        generated: 0,
        dispose: () => tf.dispose(encoder.encoderVariables),
      };
    },
  };
}

function plan(benchDir: string, seeds: number[]): BenchPlan {
  return {
    benchDir,
    settings: {
      command: 'test',
      configFile: 'none',
      methods: ['scratch', 'random'],
      seeds,
      budgets: [0.05],
      datasets: ['squares'],
      preset: 'linear',
      imageSize: 16,
      poolSize: 100,
      pretrainSteps: 5,
      pretrainBatchSize: 4,
      finetune: {},
      backend: 'wasm',
      headline: 'test',
    },
    // Each seed its own split, as in the benchmark.
    datasets: (seed) => [squaresData(16, [8, 4, 4], 1 + seed)],
    finetune: { ...DEFAULT_FINETUNE, mode: 'probe', steps: 4, evalEvery: 2, batchSize: 4 },
    poolSize: 100,
    signatureExtra: { shape: 'linear' },
  };
}

test('finished cells are not recomputed; new seeds are; the report covers the plan', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-'));
  const asked: string[] = [];
  const first = await runBench(plan(dir, [0, 1]), countingFactory(asked), ctx);
  assert.deepEqual([first.computed, first.reused], [4, 0]);
  assert.deepEqual(asked, ['scratch/0/0', 'scratch/1/0', 'random/0/0.05', 'random/1/0.05']);
  const predictions = JSON.parse(fs.readFileSync(path.join(dir, 'predictions', 'squares', 'index.json'), 'utf8'));
  assert.equal(predictions.samples.length, 4, 'every test image of the small split (fewer than PREDICTION_SAMPLES)');
  assert.deepEqual(
    predictions.runs.map((r: { method: string; seed: number }) => `${r.method}/${r.seed}`),
    ['scratch/0', 'random/0'],
    "seed 0's cells only: other seeds test other images",
  );
  for (const file of [predictions.samples[0].image, predictions.samples[0].truth, predictions.runs[1].predictions[3]])
    assert.ok(fs.existsSync(path.join(dir, 'predictions', 'squares', file)), file);
  assert.equal(predictions.runs[0].sampleIoU[0].length, 2);
  assert.ok(
    !fs.existsSync(path.join(dir, 'predictions', 'squares', 'random-seed1')),
    'no predictions of seed 1 are kept',
  );
  // An entry of seed 1 left by an older benchmark (one split for all seeds) is not shown beside seed 0's images.
  const stale = { ...predictions.runs[1], seed: 1 };
  fs.mkdirSync(path.join(dir, 'predictions', 'squares', 'random-seed1'));
  fs.writeFileSync(path.join(dir, 'predictions', 'squares', 'random-seed1', 'run.json'), JSON.stringify(stale));
  const again = await runBench(plan(dir, [0, 1]), countingFactory(asked), ctx);
  assert.deepEqual([again.computed, again.reused], [0, 4]);
  assert.equal(asked.length, 4, 'no encoder is built when all its cells are done');
  assert.deepEqual(again.report.cells, first.report.cells);
  const refreshed = JSON.parse(fs.readFileSync(path.join(dir, 'predictions', 'squares', 'index.json'), 'utf8'));
  assert.deepEqual(
    refreshed.runs.map((r: { method: string; seed: number }) => `${r.method}/${r.seed}`),
    ['scratch/0', 'random/0'],
  );
  assert.ok(
    !fs.existsSync(path.join(dir, 'predictions', 'squares', 'random-seed1')),
    "the stale entry's folder is removed, not just left out of the index",
  );
  const more = await runBench(plan(dir, [0, 1, 2]), countingFactory(asked), ctx);
  assert.deepEqual([more.computed, more.reused], [2, 4]);
  assert.deepEqual(asked.slice(4), ['scratch/2/0', 'random/2/0.05']);
  const fewer = await runBench(plan(dir, [1]), countingFactory(asked), ctx);
  assert.equal(fewer.report.cells.length, 2, 'the report holds only the cells asked for');
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
  assert.equal(report.cells[0].backend, 'wasm');
  assert.equal(
    report.cells.find((c: { method: string }) => c.method === 'scratch').normDel,
    1 / (1 + Math.exp(-report.cells.find((c: { method: string }) => c.method === 'scratch').mIoU)),
  );
  assert.ok(fs.existsSync(path.join(dir, 'report.md')));
});

test("each seed's cells are measured on that seed's split", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-'));
  const bySeed = new Map([
    [0, squaresData(16, [8, 4, 4], 1)],
    [1, squaresData(16, [8, 4, 4], 2)],
  ]);
  const p: BenchPlan = { ...plan(dir, [0, 1]), datasets: (seed) => [bySeed.get(seed)!] };
  const { report } = await runBench(
    { ...p, settings: { ...p.settings, methods: ['scratch'] } },
    countingFactory([]),
    ctx,
  );
  // The same encoder and fine-tuning seed on each split, outside the benchmark.
  const direct = async (seed: number, data: LabelledData) => {
    const pretrained = await countingFactory([]).encoder('scratch', seed, 0, ctx);
    try {
      return (await fineTune(pretrained.encoder, data, { ...p.finetune, seed }, { signal: ctx.signal })).test.mIoU;
    } finally {
      pretrained.dispose();
    }
  };
  const seed1 = report.cells.find((c) => c.seed === 1)!;
  assert.equal(seed1.mIoU, await direct(1, bySeed.get(1)!));
  assert.notEqual(seed1.mIoU, await direct(1, bySeed.get(0)!), "seed 0's split gives another number");
});

test('budget-free methods get one encoder per seed whatever the budgets', () => {
  const planned = plannedEncoders({ methods: ['full', 'random'], seeds: [0], budgets: [0.05, 0.2] });
  assert.deepEqual(planned, [
    { method: 'full', seed: 0, budget: 1 },
    { method: 'random', seed: 0, budget: 0.05 },
    { method: 'random', seed: 0, budget: 0.2 },
  ]);
});

test("a setting of one method recomputes that method's cells alone", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-'));
  const asked: string[] = [];
  const withImages = (optidelImages: OptidelImages): BenchPlan => {
    const p = plan(dir, [0]);
    return { ...p, settings: { ...p.settings, methods: ['scratch', 'optidel'], optidelImages } };
  };
  await runBench(withImages('mosaics'), countingFactory(asked), ctx);
  const changed = await runBench(withImages('selected'), countingFactory(asked), ctx);
  assert.deepEqual([changed.computed, changed.reused], [1, 1]);
  assert.deepEqual(asked, ['scratch/0/0', 'optidel/0/0.05', 'optidel/0/0.05']);
});

test("the report's words on splits and fold coverage are not part of a cell's signature", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-'));
  const base = plan(dir, [0]);
  const described = {
    ...base,
    settings: { ...base.settings, splits: ['seed 0: …'], folds: ['ct: 1 of its 7 folds tested'] },
  };
  for (const method of ['scratch', 'optidel'])
    assert.equal(cellSignature(described, method), cellSignature(base, method));
});

test('--encoder-lr-scale is part of every cell signature; its default keeps the cells as they were', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-'));
  const withScale = (encoderLrScale?: number): BenchPlan => {
    const finetune = finetuneOptions('bench', { finetuneMode: 'full', finetuneSteps: 4, encoderLrScale });
    return { ...plan(dir, [0]), finetune: { ...finetune, evalEvery: 2, batchSize: 4 } };
  };
  for (const method of ['scratch', 'random']) {
    assert.equal(cellSignature(withScale(1), method), cellSignature(withScale(undefined), method));
    assert.notEqual(cellSignature(withScale(0.1), method), cellSignature(withScale(1), method));
  }
  await runBench(withScale(undefined), countingFactory([]), ctx);
  const same = await runBench(withScale(1), countingFactory([]), ctx);
  assert.deepEqual([same.computed, same.reused], [0, 2]);
  const scaled = await runBench(withScale(0.1), countingFactory([]), ctx);
  assert.deepEqual([scaled.computed, scaled.reused], [2, 0]);
});

test('a cell is reused only on the data it was measured on: edited labels or a moved sample measure it again', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-'));
  const base = plan(dir, [0]);
  const warnings: string[] = [];
  const logging: CommandContext = { ...ctx, log: (level, message) => level === 'warn' && warnings.push(message) };
  const on = (data: LabelledData): BenchPlan => ({
    ...base,
    settings: { ...base.settings, methods: ['scratch'] },
    datasets: () => [data],
  });
  const data = squaresData(16, [8, 4, 4], 1);
  const first = await runBench(on(data), countingFactory([]), logging);
  assert.deepEqual([first.computed, first.reused], [1, 0]);
  const same = await runBench(on(squaresData(16, [8, 4, 4], 1)), countingFactory([]), logging);
  assert.deepEqual([same.computed, same.reused], [0, 1], 'the same data made again: the cell is kept');
  assert.deepEqual(warnings, []);

  // One test pixel relabelled, as when a user corrects a label file.
  const labels = data.test.labels.slice();
  labels[0] = 1 - labels[0];
  const relabelled = await runBench(on({ ...data, test: { ...data.test, labels } }), countingFactory([]), logging);
  assert.deepEqual([relabelled.computed, relabelled.reused], [1, 0]);
  assert.match(
    warnings.join('\n'),
    /not reusing .*scratch-b0-s0-squares\.json: made on other data: the images, labels or split of squares at seed 0 changed since/,
  );

  // The same pixels and labels, the last training sample moved to validation (a changed splitting rule).
  const cut = 7 * 16 * 16;
  const resplit: LabelledData = {
    ...data,
    train: { count: 7, images: data.train.images.slice(0, cut), labels: data.train.labels.slice(0, cut) },
    val: {
      count: 5,
      images: Float32Array.from([...data.train.images.slice(cut), ...data.val.images]),
      labels: Uint8Array.from([...data.train.labels.slice(cut), ...data.val.labels]),
    },
  };
  await runBench(on(data), countingFactory([]), ctx);
  const moved = await runBench(on(resplit), countingFactory([]), ctx);
  assert.deepEqual([moved.computed, moved.reused], [1, 0]);
});

test('--max-train signs a cell only through the training samples it keeps', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-'));
  const withMaxTrain = (maxTrain: number | 'all', trainCount: number): BenchPlan => {
    const p = plan(dir, [0]);
    return {
      ...p,
      settings: { ...p.settings, methods: ['scratch'], finetune: { mode: 'probe', maxTrain } },
      datasets: () => [squaresData(16, [trainCount, 4, 4], 1)],
    };
  };
  await runBench(withMaxTrain('all', 8), countingFactory([]), ctx);
  // A cap at or above the train split's 8 keeps the same samples: the cell stands.
  const capped = await runBench(withMaxTrain(1000, 8), countingFactory([]), ctx);
  assert.deepEqual([capped.computed, capped.reused], [0, 1]);
  // A cap below it trains on fewer: other data, measured again.
  const fewer = await runBench(withMaxTrain(6, 6), countingFactory([]), ctx);
  assert.deepEqual([fewer.computed, fewer.reused], [1, 0]);
});
