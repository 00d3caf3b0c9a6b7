/**
 * The webview side of src/shared/viewMessages.ts: typed posting, typed handlers, file reads as
 * promises, and state kept across hiding and restarts with setState (the panel serializer reads
 * `runDir` from it).
 */
import type { HostToView, ViewToHost } from '../../src/shared/viewMessages';

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
  const pending = new Map<number, { resolve(bytes: Uint8Array): void; reject(err: Error): void }>();
  let nextRequest = 1;

  window.addEventListener('message', (event: MessageEvent) => {
    const message = event.data as HostToView;
    if (!message || typeof message.type !== 'string') return;
    if (message.type === 'file') {
      const request = pending.get(message.requestId);
      pending.delete(message.requestId);
      if (message.bytes) request?.resolve(message.bytes);
      else request?.reject(new Error(message.error ?? 'file could not be read'));
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
      const requestId = nextRequest++;
      return new Promise<Uint8Array>((resolve, reject) => {
        pending.set(requestId, { resolve, reject });
        api.postMessage({ type: 'readFile', requestId, path } satisfies ViewToHost);
      });
    },
  };
  return connection;
}
