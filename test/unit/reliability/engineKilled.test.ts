/**
 * Faults during pre-training: the engine SIGKILLed mid-stage, a full disk during a checkpoint, and a
 * cancel while another request runs in the same engine. Nothing may hang, the run must say what
 * happened, and a resumed run must reach the same weights as a run that was never interrupted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineClient, EngineError } from '../../../src/shared/node/engineClient';
import { StageWatch } from '../../../src/host/engineProcess/stageWatch';
import { readRun } from '../../../src/shared/node/runStore';
import type { CancellingEvent, EngineEvent } from '../../../src/shared/protocol';
import { ENGINE, ROOT, isAlive, runCli } from '../../helpers/engine';
import { cloneRun, makeTinyRun, type TinyRun } from '../../helpers/tinyRun';

const TRAIN = ['--preset', 'micro', '--steps', '40', '--checkpoint-every', '10', '--batch-size', '8', '--seed', '3'];
const TRAIN_ARGS = { preset: 'micro', steps: 40, checkpointEvery: 10, batchSize: 8, seed: 3 } as const;

let tiny: TinyRun;
const clients: EngineClient[] = [];
before(() => {
  tiny = makeTinyRun();
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

function finalWeights(runDir: string): Buffer {
  const dir = path.join(runDir, 'checkpoints', 'pretrain');
  const latest = JSON.parse(fs.readFileSync(path.join(dir, 'latest.json'), 'utf8')) as { dir: string };
  return fs.readFileSync(path.join(dir, latest.dir, 'weights.bin'));
}

test('SIGKILL during pre-training: the host knows at once, the stage is marked failed, and resuming reaches the uninterrupted result', async () => {
  const reference = cloneRun(tiny, 'reference');
  const uninterrupted = runCli(['pretrain', '--run', reference, ...TRAIN, '--json']);
  assert.equal(uninterrupted.status, 0, uninterrupted.stderr);

  const watch = new StageWatch();
  const events: EngineEvent[] = [];
  let exited: Promise<string[]> | undefined;
  const engine = new EngineClient({
    enginePath: ENGINE,
    backend: 'wasm',
    onEvent: (e) => {
      events.push(e);
      watch.observe(e);
    },
    onExit: (description) => {
      exited = watch.engineExited(description);
    },
  });
  clients.push(engine);
  const request = engine.request('pretrain', { run: tiny.runDir, ...TRAIN_ARGS });
  const checkpoint = path.join(tiny.runDir, 'checkpoints', 'pretrain', 'latest.json');
  while (!fs.existsSync(checkpoint) || !events.some((e) => e.type === 'progress' && e.done >= 15)) {
    await new Promise((r) => setTimeout(r, 25));
  }
  const pid = engine.pid!;
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  await assert.rejects(
    request.result,
    (err: unknown) => err instanceof EngineError && err.code === 'engine-exited' && /SIGKILL/.test(err.message),
  );
  assert.ok(Date.now() - killedAt < 5000, 'the host noticed within seconds');
  assert.equal(isAlive(pid), false);
  assert.deepEqual(await exited, [`${tiny.runDir}: pretrain`]);
  const record = await readRun(tiny.runDir);
  assert.equal(record.stages.pretrain?.status, 'failed');
  assert.match(record.stages.pretrain!.error!, /engine process ended during this stage \(killed by SIGKILL/);

  const resumed = runCli(['pretrain', '--run', tiny.runDir, ...TRAIN, '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok((resumed.json!.resumedFrom as number) >= 10, `resumed from step ${resumed.json!.resumedFrom}`);
  assert.equal(resumed.json!.steps, 40);
  assert.equal(resumed.json!.finalLoss, uninterrupted.json!.finalLoss);
  assert.ok(finalWeights(tiny.runDir).equals(finalWeights(reference)), 'the same weights as the uninterrupted run');
  assert.equal((await readRun(tiny.runDir)).stages.pretrain?.status, 'done');
});

test('a full disk during a checkpoint write: the stage fails saying so, the previous checkpoint survives and resumes', () => {
  const runDir = cloneRun(tiny, 'disk-full');
  fs.rmSync(path.join(runDir, 'checkpoints'), { recursive: true, force: true });
  const first = runCli(['pretrain', '--run', runDir, ...TRAIN.map((a) => (a === '40' ? '10' : a)), '--json']);
  assert.equal(first.status, 0, first.stderr);
  const before = finalWeights(runDir);

  const full = runCli(['pretrain', '--run', runDir, ...TRAIN, '--json'], {
    env: {
      NODE_OPTIONS: `--require ${path.join(ROOT, 'test/helpers/faults/diskFull.cjs')}`,
      OPTIDEL_FAULT_PATH: 'checkpoints/pretrain/\\.step-0000020',
    },
  });
  assert.equal(full.status, 1);
  assert.match(full.stderr, /ENOSPC: no space left on device/);
  const dir = path.join(runDir, 'checkpoints', 'pretrain');
  assert.equal(
    JSON.parse(fs.readFileSync(path.join(dir, 'latest.json'), 'utf8')).step,
    10,
    'latest still names the previous checkpoint',
  );
  assert.ok(finalWeights(runDir).equals(before), 'the previous checkpoint is intact');

  const resumed = runCli(['pretrain', '--run', runDir, ...TRAIN, '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(resumed.json!.resumedFrom, 10);
});

test('a cancel of pre-training saves a checkpoint and stops that request only: the engine and its other request go on', async () => {
  const runDir = cloneRun(tiny, 'cancel-shared-engine');
  fs.rmSync(path.join(runDir, 'checkpoints'), { recursive: true, force: true });
  const events: EngineEvent[] = [];
  const engine = new EngineClient({ enginePath: ENGINE, backend: 'wasm', onEvent: (e) => events.push(e) });
  clients.push(engine);
  const training = engine.request('pretrain', { run: runDir, ...TRAIN_ARGS, steps: 400, checkpointEvery: 1000 });
  while (!events.some((e) => e.type === 'progress' && e.requestId === training.id && e.done >= 5)) {
    await new Promise((r) => setTimeout(r, 25));
  }
  const pid = engine.pid!;
  const other = engine.request('info', { matmulSize: 64, matmulRepeats: 20 });
  training.cancel();
  await assert.rejects(training.result, (err: unknown) => err instanceof EngineError && err.code === 'cancelled');
  const info = await other.result;
  assert.equal(info.backend, 'wasm', 'the other request completed');
  assert.equal(engine.pid, pid, 'the same engine, never killed');
  const saving = events.find(
    (e): e is CancellingEvent => e.type === 'cancelling' && e.requestId === training.id && e.phase === 'checkpointing',
  );
  assert.ok(saving, 'the engine said it was checkpointing');
  const savedStep = Number(/saving step (\d+)/.exec(saving.message ?? '')?.[1]);
  const latest = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', 'pretrain', 'latest.json'), 'utf8'));
  assert.equal(latest.step, savedStep, 'the checkpoint it announced is on disk');
  assert.ok(savedStep >= 5 && savedStep < 400);
  assert.equal((await readRun(runDir)).stages.pretrain?.status, 'cancelled');
});
