/**
 * A change of the engine settings while the engine works: it is never killed without asking. Run
 * against the stand-in engine process (test/helpers/fakeEngine.cjs) through the real client.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient, EngineError } from '../../../src/shared/node/engineClient';
import type { EngineEvent } from '../../../src/shared/protocol';
import { retireEngine, type RestartChoice } from '../../../src/host/engineProcess/engineRestart';
import { isAlive } from '../../helpers/engine';
import { FAKE_ENGINE, fakeRequest, started } from '../../helpers/fakeEngine';

const TIMEOUT = { timeout: 60_000 };
const clients: EngineClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

function fake() {
  const events: EngineEvent[] = [];
  const engine = new EngineClient({ enginePath: FAKE_ENGINE, cancelGraceMs: 300, onEvent: (e) => events.push(e) });
  clients.push(engine);
  return { engine, events };
}

/** Answers the question with `choice`, remembering what it was asked about. */
function answer(choice: RestartChoice) {
  const asked: string[][] = [];
  return { asked, ask: async (running: string[]) => (asked.push(running), choice) };
}

test('an idle engine is stopped at once, without a question', TIMEOUT, async () => {
  const { engine } = fake();
  await engine.start();
  const pid = engine.pid!;
  const { asked, ask } = answer('now');
  await retireEngine(engine, ask, () => undefined);
  assert.deepEqual(asked, []);
  assert.equal(isAlive(pid), false);
});

test('"Later": the running command finishes on the old engine, which stops afterwards', TIMEOUT, async () => {
  const { engine, events } = fake();
  const training = fakeRequest(engine, { behaviour: 'work', ms: 1000 });
  await started(events, training.id);
  const pid = engine.pid!;
  const { asked, ask } = answer('later');
  const retired = retireEngine(engine, ask, () => undefined);
  assert.deepEqual(await training.result, { done: true }, 'not cancelled, not killed');
  await retired;
  assert.deepEqual(asked, [['info']], 'the user was asked, naming what runs');
  assert.equal(isAlive(pid), false, 'stopped once idle');
});

test(
  '"Restart now": commands are cancelled the polite way, a checkpoint is saved, then the engine stops',
  TIMEOUT,
  async () => {
    const { engine, events } = fake();
    const training = fakeRequest(engine, { behaviour: 'checkpoint-on-cancel', checkpointMs: 800 });
    await started(events, training.id);
    const pid = engine.pid!;
    const logs: string[] = [];
    const cancelled = assert.rejects(
      training.result,
      (err: unknown) =>
        err instanceof EngineError && err.code === 'cancelled' && /after saving a checkpoint/.test(err.message),
    );
    await retireEngine(engine, answer('now').ask, (m) => logs.push(m));
    await cancelled;
    assert.ok(
      !events.some((e) => e.type === 'log' && /killing the engine/.test(e.message)),
      'the engine was not killed mid-checkpoint',
    );
    assert.equal(isAlive(pid), false);
    assert.match(logs.join('\n'), /cancelling info to restart the engine/);
  },
);
