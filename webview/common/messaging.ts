/**
 * The webview side of src/shared/viewMessages.ts: typed posting, typed handlers, file reads as
 * promises, and state kept across hiding and restarts with setState (the panel serializer reads
 * `runDir` from it).
 */
import { PendingRequests } from '../../src/shared/messageKit';
import type { HostToView, ViewToHost } from '../../src/shared/viewMessages';

/** Long enough for a large label map on a slow disk; a host that never answers must not hang the view. */
const READ_TIMEOUT_MS = 60_000;

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface HostConnection<S extends object> {
  post(message: ViewToHost): void;
  /** The view's saved state (empty on first open). */
  readonly state: Partial<S>;
  saveState(patch: Partial<S>): void;
  on<T extends HostToView['type']>(type: T, handler: (message: Extract<HostToView, { type: T }>) => void): void;
  /** Bytes of a run-relative file, through the host's path guard. */
  readFile(path: string): Promise<Uint8Array>;
}

export function connectToHost<S extends object>(): HostConnection<S> {
  const api = acquireVsCodeApi();
  const state = { ...((api.getState() as Partial<S> | undefined) ?? {}) } as Partial<S>;
  const handlers = new Map<string, Array<(message: HostToView) => void>>();
  const reads = new PendingRequests<Uint8Array>();

  window.addEventListener('message', (event: MessageEvent) => {
    const message = event.data as HostToView;
    if (!message || typeof message.type !== 'string') return;
    if (message.type === 'file') {
      if (message.bytes) reads.answer(message.requestId, message.bytes);
      else reads.fail(message.requestId, new Error(message.error ?? 'file could not be read'));
    }
    for (const handler of handlers.get(message.type) ?? []) handler(message);
  });

  const connection: HostConnection<S> = {
    post: (message) => api.postMessage(message),
    state,
    saveState(patch) {
      Object.assign(state, patch);
      api.setState(state);
    },
    on(type, handler) {
      handlers.set(type, [...(handlers.get(type) ?? []), handler as (message: HostToView) => void]);
    },
    readFile(path) {
      const { id, reply } = reads.create(undefined, {
        ms: READ_TIMEOUT_MS,
        reason: `the extension host did not send ${path} within ${READ_TIMEOUT_MS / 1000} s; reopen the view`,
      });
      api.postMessage({ type: 'readFile', requestId: id, path } satisfies ViewToHost);
      return reply;
    },
  };
  return connection;
}
