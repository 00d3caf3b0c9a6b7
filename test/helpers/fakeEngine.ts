/** Helpers for tests that drive the stand-in engine process, test/helpers/fakeEngine.cjs. */
import * as path from 'node:path';
import type { EngineClient } from '../../src/shared/node/engineClient';
import type { EngineEvent } from '../../src/shared/protocol';

export const FAKE_ENGINE = path.join(__dirname, 'fakeEngine.cjs');

/** A request of the stand-in engine; its behaviour is no `info` argument, hence the cast. */
export function fakeRequest(engine: EngineClient, args: Record<string, unknown>) {
  return engine.request('info', args as never);
}

/** Resolves once request `id` has reported that it runs (the stand-in reports progress at once). */
export async function started(events: EngineEvent[], id: number): Promise<void> {
  while (!events.some((e) => e.type === 'progress' && e.requestId === id)) await new Promise((r) => setTimeout(r, 10));
}
