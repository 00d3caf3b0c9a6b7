import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, EngineError, type EngineClientOptions } from '../../../src/shared/node/engineClient';
import type { EngineEvent } from '../../../src/shared/protocol';
import { ENGINE, isAlive, requireBuiltEngine } from '../../helpers/engine';
import { FAKE_ENGINE, fakeRequest, started } from '../../helpers/fakeEngine';

requireBuiltEngine();
const clients: EngineClient[] = [];
function client(events: EngineEvent[] = [], cancelGraceMs = 5000): EngineClient {
  const c = new EngineClient({ enginePath: ENGINE, backend: 'wasm', cancelGraceMs, onEvent: (e) => events.push(e) });
  clients.push(c);
  return c;
}
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

test('the engine as a child process answers info and streams progress', async () => {
  const events: EngineEvent[] = [];
  const engine = client(events);
  const info = await engine.request('info', { matmulSize: 32, matmulRepeats: 3 }).result;
  assert.equal(info.backend, 'wasm');
  assert.ok(info.matmulGflops! > 0);
  assert.ok(events.some((e) => e.type === 'progress' && e.done === 3 && e.total === 3));
  const pid = engine.pid!;
  await engine.dispose();
  assert.equal(isAlive(pid), false, 'no process is left behind');
});

test('a cancel reaches the engine, which stops the command and stays up', async () => {
  const events: EngineEvent[] = [];
  const engine = client(events);
  const request = engine.request('info', { matmulSize: 256, matmulRepeats: 100_000 });
  while (!events.some((e) => e.type === 'progress')) await new Promise((r) => setTimeout(r, 20));
  const pid = engine.pid!;
  request.cancel();
  await assert.rejects(request.result, (err: unknown) => err instanceof EngineError && err.code === 'cancelled');
  assert.equal(engine.pid, pid, 'the engine stopped politely, without being killed');
  const again = await engine.request('info', {}).result;
  assert.equal(again.backend, 'wasm');
});

test('killing the engine rejects pending requests with a clear error', async () => {
  const events: EngineEvent[] = [];
  const engine = client(events);
  const request = engine.request('info', { matmulSize: 256, matmulRepeats: 100_000 });
  while (!events.some((e) => e.type === 'progress')) await new Promise((r) => setTimeout(r, 20));
  const pid = engine.pid!;
  process.kill(pid, 'SIGKILL');
  await assert.rejects(request.result, engineError('engine-exited', /exited while running "info".*SIGKILL/));
  assert.equal(isAlive(pid), false);
  assert.equal(engine.running, false);
});

test('bad arguments come back as a bad-request error, not a crash', async () => {
  const engine = client();
  await assert.rejects(
    engine.request('info', { matmulSize: 'big' as unknown as number }).result,
    engineError('bad-request', /--matmul-size must be a number/),
  );
  assert.equal((await engine.request('info', {}).result).backend, 'wasm');
});

const TIMEOUT = { timeout: 60_000 };

/** A client of the stand-in engine (test/helpers/fakeEngine.cjs); its events and output are kept. */
function fake(options: Partial<EngineClientOptions> = {}) {
  const events: EngineEvent[] = [];
  const output: string[] = [];
  const engine = new EngineClient({
    enginePath: FAKE_ENGINE,
    onEvent: (e) => events.push(e),
    onStderr: (l) => output.push(l),
    ...options,
  });
  clients.push(engine);
  return { engine, events, output };
}

/** Whether an error is the client's EngineError with this code and a message matching `message`. */
function engineError(code: EngineError['code'], message: RegExp) {
  return (err: unknown) => err instanceof EngineError && err.code === code && message.test(err.message);
}

/** Two requests of the stand-in engine, once both run. */
async function bothRunning(engine: EngineClient, events: EngineEvent[], ...args: [object, object]) {
  const requests = args.map((a) => fakeRequest(engine, { ...a }));
  for (const r of requests) await started(events, r.id);
  return requests;
}

test(
  'a cancel the request ignores: after the grace the engine is killed, both its requests rejected saying why',
  TIMEOUT,
  async () => {
    const { engine, events } = fake({ cancelGraceMs: 300 });
    const [stubborn, other] = await bothRunning(
      engine,
      events,
      { behaviour: 'ignore-cancel' },
      { behaviour: 'work', ms: 60_000 },
    );
    const pid = engine.pid!;
    stubborn.cancel();
    await assert.rejects(stubborn.result, engineError('cancelled', /engine read the cancel but "info" kept running/));
    await assert.rejects(
      other.result,
      engineError('engine-exited', /stopped because "info" did not stop after a cancel/),
    );
    assert.equal(isAlive(pid), false, 'the engine was killed');
    assert.ok(events.some((e) => e.type === 'cancelling' && e.requestId === stubborn.id && e.phase === 'read'));
    assert.ok(
      events.some((e) => e.type === 'log' && e.level === 'warn' && /killing the engine/.test(e.message)),
      'the kill is logged as a warning',
    );
    assert.equal(engine.running, false);
  },
);

test(
  'a request checkpointing past the cancel grace is not killed; another request in the engine completes',
  TIMEOUT,
  async () => {
    const { engine, events } = fake({ cancelGraceMs: 300, checkpointGraceMs: 30_000 });
    const checkpointing = { behaviour: 'checkpoint-on-cancel', checkpointMs: 1500 };
    const [training, other] = await bothRunning(engine, events, checkpointing, { behaviour: 'work', ms: 2500 });
    const pid = engine.pid!;
    training.cancel();
    await assert.rejects(training.result, engineError('cancelled', /after saving a checkpoint/));
    assert.deepEqual(await other.result, { done: true });
    assert.equal(engine.pid, pid, 'the same engine process');
    assert.ok(isAlive(pid));
    assert.ok(events.some((e) => e.type === 'cancelling' && e.phase === 'checkpointing'));
    assert.deepEqual(engine.activeCommands, []);
  },
);

test(
  'a checkpoint that never ends still has a limit: the engine is killed after the checkpoint grace',
  TIMEOUT,
  async () => {
    const { engine, events } = fake({ cancelGraceMs: 300, checkpointGraceMs: 600 });
    const training = fakeRequest(engine, { behaviour: 'checkpoint-on-cancel', checkpointMs: 60_000 });
    await started(events, training.id);
    const pid = engine.pid!;
    training.cancel();
    await assert.rejects(training.result, engineError('cancelled', /still saving its checkpoint/));
    assert.equal(isAlive(pid), false);
  },
);

test('cancelling one of two requests leaves the other running, and whenIdle waits for both', TIMEOUT, async () => {
  const { engine, events } = fake({ cancelGraceMs: 5000 });
  const first = fakeRequest(engine, { behaviour: 'work', ms: 60_000 });
  const second = fakeRequest(engine, { behaviour: 'work', ms: 800 });
  await started(events, first.id);
  let idle = false;
  const idleNow = engine.whenIdle().then(() => (idle = true));
  assert.deepEqual(engine.activeCommands, ['info', 'info']);
  first.cancel();
  await assert.rejects(first.result, (err: unknown) => err instanceof EngineError && err.code === 'cancelled');
  assert.equal(idle, false, 'one request still runs');
  assert.deepEqual(await second.result, { done: true });
  await idleNow;
  assert.equal(idle, true);
});

test(
  'engine output is bounded: a huge line is cut with a marker, a flood of lines is dropped and counted',
  TIMEOUT,
  async () => {
    const limits = { maxLineChars: 1000, maxLines: 50, windowMs: 600_000 };
    const { engine, output } = fake({ outputLimits: limits });
    assert.deepEqual(await fakeRequest(engine, { behaviour: 'flood', lineChars: 5_000_000, lines: 100_000 }).result, {
      done: true,
    });
    await engine.dispose();
    // The note comes when the output ends (or with the next window's first line).
    while (!/dropped/.test(output.at(-1) ?? '')) await new Promise((r) => setTimeout(r, 20));
    assert.equal(output.length, limits.maxLines + 1, 'the lines allowed and one note');
    assert.ok(
      output.every((line) => line.length < limits.maxLineChars + 100),
      'no line longer than the limit and its marker',
    );
    assert.match(output[0], /^x{1000} … \[cut: 4999000 more characters\]$/);
    assert.equal(output[1], 'flood line 0');
    assert.match(output.at(-1)!, /^\[99951 lines of engine output dropped: more than 50 lines in 600 s\]$/);
  },
);

/** The error every request gets when the Node executable is wrong: the setting, the path, the fix. */
function nodePathError(nodePath: string, why: RegExp) {
  return (err: unknown) =>
    err instanceof EngineError &&
    err.message.includes(`"${nodePath}"`) &&
    why.test(err.message) &&
    /Set optidel\.engine\.nodePath to a Node\.js 20 or newer executable/.test(err.message);
}

test(
  'a Node executable that does not exist rejects every request at once, naming the setting, the path and the fix',
  TIMEOUT,
  async () => {
    const engine = new EngineClient({ enginePath: ENGINE, nodePath: '/nonexistent/node' });
    clients.push(engine);
    const first = engine.request('info', {});
    const second = engine.request('info', {});
    await assert.rejects(first.result, nodePathError('/nonexistent/node', /no such file/));
    await assert.rejects(second.result, nodePathError('/nonexistent/node', /no such file/));
    await assert.rejects(
      engine.request('info', {}).result,
      nodePathError('/nonexistent/node', /no such file/),
      'a later request too',
    );
    assert.equal(engine.running, false);
    await engine.dispose();
  },
);

test(
  'a Node path that is a plain file, another program or a silent one is rejected naming the setting, none left running',
  TIMEOUT,
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-node-path-'));
    const textFile = path.join(dir, 'node.txt');
    fs.writeFileSync(textFile, 'not a program\n');
    const plain = new EngineClient({ enginePath: ENGINE, nodePath: textFile });
    clients.push(plain);
    await assert.rejects(plain.request('info', {}).result, nodePathError(textFile, /not an executable file/));

    const other = path.join(dir, 'python3');
    fs.writeFileSync(other, '#!/bin/sh\necho "SyntaxError: invalid syntax" >&2\nexit 2\n', { mode: 0o755 });
    const wrong = new EngineClient({ enginePath: ENGINE, nodePath: other });
    clients.push(wrong);
    await assert.rejects(
      wrong.request('info', {}).result,
      nodePathError(other, /exited before it was ready \(exit code 2\).*Check that/),
    );

    const silent = path.join(dir, 'silent-node');
    fs.writeFileSync(silent, '#!/bin/sh\necho "$$" > "$0.pid"\nexec sleep 600\n', { mode: 0o755 });
    const hung = new EngineClient({ enginePath: ENGINE, nodePath: silent, startTimeoutMs: 1000 });
    clients.push(hung);
    await assert.rejects(
      hung.request('info', {}).result,
      nodePathError(silent, /did not say it was ready within 1 s: .* may not be Node\.js/),
    );
    await hung.dispose();
    const pid = Number(fs.readFileSync(`${silent}.pid`, 'utf8'));
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
    assert.equal(hung.running, false);
  },
);
