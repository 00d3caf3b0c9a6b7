import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandContext } from '../../../src/engine/command';
import { CancelledError } from '../../../src/engine/command';
import {
  encoderKey,
  parseEncoderKey,
  runBenchWorkers,
  shareEncoders,
  together,
  whilePreparing,
} from '../../../src/engine/bench/workers';
import { ENGINE, requireBuiltEngine, runCli } from '../../helpers/engine';

function context(signal: AbortSignal, logs: string[] = []): CommandContext {
  return {
    signal,
    backendPreference: 'wasm',
    progress() {},
    log: (_, message) => logs.push(message),
    metric() {},
    stage() {},
  };
}

test('encoders are dealt out so the workers finish together; empty shares are dropped', () => {
  const e = (method: string, seed: number) => ({ method, seed, budget: method === 'scratch' ? 0 : 0.05 });
  const encoders = [
    e('scratch', 0),
    e('scratch', 1),
    e('full', 1),
    e('full', 2),
    e('random', 0),
    e('random', 1),
    e('optidel', 0),
    e('optidel', 1),
  ];
  // Pre-training costs 3, fine-tuning 1; scratch only fine-tunes.
  const cost = (x: { method: string }) => (x.method === 'scratch' ? 1 : 4);
  const shares = shareEncoders(encoders, 2, cost);
  assert.deepEqual(shares.map((s) => s.reduce((sum, x) => sum + cost(x), 0)).sort(), [13, 13]);
  assert.deepEqual(shares.flat().map(encoderKey).sort(), encoders.map(encoderKey).sort(), 'every encoder exactly once');
  assert.equal(shareEncoders([e('random', 0)], 4, cost).length, 1);
  assert.deepEqual(parseEncoderKey('optidel:2:0.05'), { method: 'optidel', seed: 2, budget: 0.05 });
  for (const bad of ['optidel', 'optidel:x:0.05', 'optidel:1:0.05:3', ':1:0'])
    assert.equal(parseEncoderKey(bad), undefined, bad);
});

test('while the foundation trains, the free core takes the cheapest encoders that end near it', () => {
  const e = (method: string, seed: number) => ({ method, seed, budget: method === 'scratch' ? 0 : 1 });
  // The demo's proportions: no pre-training 72 (three fine-tunings), full data 147, the foundation 75.
  const cost = (x: { method: string }) => (x.method === 'scratch' ? 72 : 147);
  const candidates = [e('full', 1), e('scratch', 0), e('full', 2), e('scratch', 1), e('scratch', 2)];
  assert.deepEqual(whilePreparing(candidates, 75, cost).map(encoderKey), ['scratch:0:0']);
  // Two of them end nearer 150 than one: 144 (6 early) beats 72 (78 early); a third would overshoot by 66.
  assert.deepEqual(whilePreparing(candidates, 150, cost).map(encoderKey), ['scratch:0:0', 'scratch:1:0']);
  // Ending 72 late idles the other core longer than the 30 the free core would idle: nothing.
  assert.deepEqual(whilePreparing(candidates, 30, cost), []);
  assert.deepEqual(whilePreparing([e('full', 1)], 100, cost).map(encoderKey), ['full:1:1'], '47 late beats 100 idle');
  assert.deepEqual(whilePreparing(candidates, 0, cost), [], 'nothing to prepare: nothing set apart');
});

test('work run together: the first failure stops the rest and is the error reported', async () => {
  const ctx = context(new AbortController().signal);
  const stopped: string[] = [];
  const waitForStop = (name: string) => (inner: CommandContext) =>
    new Promise<number>((_, reject) =>
      inner.signal.addEventListener('abort', () => {
        stopped.push(name);
        reject(new CancelledError(`${name} cancelled`));
      }),
    );
  await assert.rejects(
    together(ctx, [
      waitForStop('workers'),
      async () => {
        throw new Error('the foundation model failed');
      },
    ]),
    /the foundation model failed/,
  );
  assert.deepEqual(stopped, ['workers']);
  assert.equal(await together(ctx, [async () => 2, async () => 3]), 5, 'cells computed by each are added up');
  const outer = new AbortController();
  const running = together(context(outer.signal), [waitForStop('a'), waitForStop('b')]);
  outer.abort();
  await assert.rejects(running, CancelledError);
});

test('a failing worker fails the benchmark with its reason and stops the others', { timeout: 60_000 }, async () => {
  requireBuiltEngine();
  const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-workers-')), 'nowhere', 'optidel.json');
  const shares = [[{ method: 'scratch', seed: 0, budget: 0 }], [{ method: 'scratch', seed: 1, budget: 0 }]];
  await assert.rejects(
    runBenchWorkers(
      { config: missing, out: path.dirname(missing) },
      shares,
      { enginePath: ENGINE, backend: 'wasm', totalCells: 2, doneCells: 0 },
      context(new AbortController().signal),
    ),
    (err: Error) => /^bench: worker \d failed: .*nowhere/.test(err.message),
  );
});

test('a cancel reaches the workers while they pre-train', { timeout: 90_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-workers-'));
  assert.equal(runCli(['demo-data', '--out', path.join(dir, 'data'), '--size', 'tiny']).status, 0);
  const controller = new AbortController();
  const logs: string[] = [];
  const ctx = context(controller.signal, logs);
  const pretraining = new Promise<void>((resolve) => {
    ctx.progress = (stage) => stage === 'worker 1: full-s0' && resolve();
  });
  const args = {
    config: path.join(dir, 'data', 'optidel.json'),
    out: path.join(dir, 'run'),
    methods: ['full' as const],
    preset: 'micro' as const,
    steps: 100_000,
    batchSize: 4,
    finetuneMode: 'probe' as const,
  };
  const running = runBenchWorkers(
    args,
    [[{ method: 'full', seed: 0, budget: 1 }]],
    { enginePath: ENGINE, backend: 'wasm', totalCells: 3, doneCells: 0 },
    ctx,
  );
  await pretraining;
  const cancelledAt = Date.now();
  controller.abort();
  await assert.rejects(running, CancelledError);
  assert.ok(Date.now() - cancelledAt < 15_000, 'the worker stopped within its grace period');
  assert.ok(
    logs.some((l) => l.startsWith('worker 1: ')),
    "the worker's log is passed on, named",
  );
});
