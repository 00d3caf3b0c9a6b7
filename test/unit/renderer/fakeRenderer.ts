/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A fake of what VS Code gives a notebook renderer: the context (with or without messaging) and
 * output items. Messages the renderer posts are recorded; `send` delivers one from the "host".
 */
import type { OutputItem, RendererContext } from 'vscode-notebook-renderer';
import { SUBSET_MIME } from '../../../src/shared/subsetPayload';

export interface FakeRendererContext {
  context: RendererContext<unknown>;
  posted: unknown[];
  send(message: unknown): void;
}

export function fakeContext(options: { messaging: boolean }): FakeRendererContext {
  const posted: unknown[] = [];
  const listeners: Array<(message: unknown) => void> = [];
  const context: RendererContext<unknown> = {
    setState: () => undefined,
    getState: () => undefined,
    getRenderer: async () => undefined,
    workspace: { isTrusted: true },
    ...(options.messaging
      ? {
          postMessage: (message: unknown) => {
            posted.push(message);
          },
          onDidReceiveMessage: (listener: (message: unknown) => void) => {
            listeners.push(listener);
            return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
          },
        }
      : {}),
  };
  return { context, posted, send: (message) => listeners.forEach((l) => l(message)) };
}

/** An output item holding `text` as its bytes, the way VS Code hands a JSON output to a renderer. */
export function outputItem(id: string, text: string): OutputItem {
  const bytes = new TextEncoder().encode(text);
  return {
    id,
    mime: SUBSET_MIME,
    metadata: {},
    text: () => text,
    json: () => JSON.parse(text),
    data: () => bytes,
    blob: () => new Blob([bytes]),
  };
}
