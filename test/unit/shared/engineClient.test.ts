import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient, EngineError } from '../../../src/shared/node/engineClient';
import type { EngineEvent } from '../../../src/shared/protocol';
import { ENGINE, isAlive, requireBuiltEngine } from '../../helpers/engine';

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
  await assert.rejects(request.result, (err: unknown) => err instanceof EngineError && err.code === 'engine-exited' && /exited while running "info".*SIGKILL/.test(err.message));
  assert.equal(isAlive(pid), false);
  assert.equal(engine.running, false);
});

test('bad arguments come back as a bad-request error, not a crash', async () => {
  const engine = client();
  await assert.rejects(engine.request('info', { matmulSize: 'big' as unknown as number }).result, (err: unknown) => err instanceof EngineError && err.code === 'bad-request' && /--matmul-size must be a number/.test(err.message));
  assert.equal((await engine.request('info', {}).result).backend, 'wasm');
});

test('a Node executable that does not exist is reported, naming the setting', async () => {
  const engine = new EngineClient({ enginePath: ENGINE, nodePath: '/nonexistent/node' });
  clients.push(engine);
  await assert.rejects(engine.request('info', {}).result, /optidel\.engine\.nodePath/);
});
