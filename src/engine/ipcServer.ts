/**
 * The engine as the extension host's child process: requests arrive over Node IPC, each runs one
 * command, and progress, logs and metrics flow back as events while it works. A cancel is answered
 * at once (the host then knows the engine read it) and again when the command saves a checkpoint.
 */
import type { BackendPreference } from '../shared/engineInfo';
import type { EngineToHost, RequestMessage } from '../shared/protocol';
import { PROTOCOL_VERSION, ProtocolError, parseHostToEngine } from '../shared/protocol';
import type { CommandContext } from './command';
import { CancelledError, UsageError, runCommand, validateArgs } from './command';
import { findCommand } from './commands';
import { errorMessage } from './backends/select';

export function serveIpc(backendPreference: BackendPreference): void {
  const send = (message: EngineToHost) => process.send?.(message);
  const running = new Map<number, AbortController>();

  process.on('message', (raw: unknown) => {
    let message;
    try {
      message = parseHostToEngine(raw);
    } catch (err) {
      // A malformed message is logged and answered if it carried an id; it never takes the engine down.
      const id = (raw as { id?: unknown } | null)?.id;
      send({ type: 'log', level: 'error', message: `engine: rejected a malformed message: ${errorMessage(err)}` });
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 && err instanceof ProtocolError) {
        send({ type: 'reply', id, ok: false, error: { code: 'bad-request', message: errorMessage(err) } });
      }
      return;
    }
    if (message.type === 'cancel') {
      const controller = running.get(message.id);
      if (!controller || controller.signal.aborted) return;
      controller.abort();
      send({ type: 'cancelling', requestId: message.id, phase: 'read' });
      return;
    }
    void handle(message);
  });

  async function handle(request: RequestMessage): Promise<void> {
    const controller = new AbortController();
    running.set(request.id, controller);
    const requestId = request.id;
    const ctx: CommandContext = {
      signal: controller.signal,
      backendPreference,
      progress: (stage, done, total, message) => send({ type: 'progress', requestId, stage, done, total, message }),
      log: (level, message) => send({ type: 'log', requestId, level, message }),
      metric: (stage, name, value, step) => send({ type: 'metric', requestId, stage, name, value, step }),
      stage: (runDir, stage, status) => send({ type: 'stage', requestId, runDir, stage, status }),
      checkpointing: (message) => send({ type: 'cancelling', requestId, phase: 'checkpointing', message }),
    };
    try {
      const command = findCommand(request.command);
      if (!command) throw new UsageError(`unknown command "${request.command}"`);
      const args = validateArgs(command, request.args);
      const result = await runCommand(command, args, ctx);
      send({ type: 'reply', id: requestId, ok: true, result });
    } catch (err) {
      const code = err instanceof CancelledError ? 'cancelled' : err instanceof UsageError ? 'bad-request' : 'failed';
      send({
        type: 'reply',
        id: requestId,
        ok: false,
        error: { code, message: errorMessage(err), detail: err instanceof Error ? err.stack : undefined },
      });
    } finally {
      running.delete(requestId);
    }
  }

  // The host owns this process: when the channel closes, nobody is left to answer, so stop.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid, protocol: PROTOCOL_VERSION });
}
