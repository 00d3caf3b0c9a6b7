/**
 * A handle on an engine process: the extension host's, and the benchmark's workers (an engine
 * that fans its encoders out to more engines). It owns the process: starts it with the configured
 * Node, sends typed requests, relays events, and notices at once when the process dies, rejecting
 * whatever was pending with an error that says what happened.
 *
 * A cancel stops the request, not the engine: the engine is killed only when the cancelled request
 * has not stopped within the grace period, which a request saving a checkpoint gets extended. Other
 * requests in the same engine go on. Engine output is held in bounded lines (outputLimits.ts).
 *
 * Free of `vscode` and TensorFlow.js imports, so the host can load it and it is tested as plain Node.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { CommandArgs, CommandName, CommandResult } from '../commands';
import type { BackendPreference } from '../engineInfo';
import { PendingRequests } from '../messageKit';
import type { CancellingEvent, EngineErrorCode, EngineEvent, LogLevel } from '../protocol';
import { parseEngineToHost } from '../protocol';
import { DEFAULT_OUTPUT_LIMITS, LineRate, LineSplitter, type OutputLimits } from './outputLimits';

export interface EngineClientOptions {
  /** The engine bundle (dist/engine/main.js). */
  enginePath: string;
  /** Node executable; defaults to the one running the host. */
  nodePath?: string;
  /** Extra module folders (NODE_PATH), e.g. where tfjs-node-gpu is installed. */
  modulePaths?: string[];
  /** Extra shared-library folders (LD_LIBRARY_PATH), e.g. CUDA's lib64. */
  libraryPaths?: string[];
  backend?: BackendPreference;
  /** How long a cancelled request may take to stop before the process is killed. */
  cancelGraceMs?: number;
  /** How long a cancelled request may take after it says it is saving a checkpoint. */
  checkpointGraceMs?: number;
  /** How long the process may take to say it is ready. */
  startTimeoutMs?: number;
  /** Bounds on the engine's stdout and stderr lines passed to onStderr. */
  outputLimits?: OutputLimits;
  /** Engine events, and this client's own notes as `log` events (a kill after an ignored cancel). */
  onEvent?: (event: EngineEvent) => void;
  /** Lines the engine printed on stdout or stderr (warnings from native libraries, crashes). */
  onStderr?: (line: string) => void;
  onExit?: (description: string) => void;
}

const DEFAULT_CANCEL_GRACE_MS = 10_000;
const DEFAULT_CHECKPOINT_GRACE_MS = 120_000;
const DEFAULT_START_TIMEOUT_MS = 15_000;
/** What a user must do when the Node executable is wrong. */
const NODE_PATH_FIX =
  'Set optidel.engine.nodePath to a Node.js 20 or newer executable, or clear it to use the Node built into VS Code.';

export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    readonly code: EngineErrorCode,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export interface RunningRequest<T> {
  id: number;
  result: Promise<T>;
  cancel(): void;
}

interface CancelState {
  /** The engine answered that it read the cancel. */
  read: boolean;
  checkpointing: boolean;
  deadline: NodeJS.Timeout;
}

interface Pending {
  command: string;
  /** Sent to the engine (false while the process is still starting). */
  sent: boolean;
  cancel?: CancelState;
}

/** Request ids are unique across the clients of a process, so events of two engines never mix. */
let nextRequestId = 1;

export class EngineClient {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private readonly pending = new PendingRequests<unknown, Pending>(() => nextRequestId++);
  private readonly idleWaiters: Array<() => void> = [];
  private readonly stderrTail: string[] = [];
  /** Why this client killed the process, for the errors of the requests that die with it. */
  private killReason?: string;

  constructor(private readonly options: EngineClientOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The commands of the requests not yet answered, in the order they were made. */
  get activeCommands(): string[] {
    return this.pending.ids().map((id) => this.pending.get(id)!.command);
  }

  /** Resolves once no request is waiting for an answer (at once when none is). */
  whenIdle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Starts the process if it is not running; resolves once it has said it is ready. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    const { enginePath, nodePath, modulePaths = [], libraryPaths = [], backend = 'auto' } = this.options;
    const env = { ...process.env };
    if (modulePaths.length) env.NODE_PATH = [...modulePaths, env.NODE_PATH].filter(Boolean).join(path.delimiter);
    if (libraryPaths.length)
      env.LD_LIBRARY_PATH = [...libraryPaths, env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter);
    // Electron's own Node would otherwise start as Electron; this makes it plain Node.
    env.ELECTRON_RUN_AS_NODE = '1';
    const execPath = nodePath || process.execPath;
    const child = fork(enginePath, ['--ipc', '--backend', backend], {
      execPath,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env,
    });
    this.child = child;
    this.killReason = undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      const timeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      const timer = setTimeout(() => {
        reject(
          new EngineError(
            `the engine did not say it was ready within ${timeoutMs / 1000} s: "${execPath}" may not be Node.js. ` +
              NODE_PATH_FIX,
            'engine-exited',
          ),
        );
        this.kill('it did not start');
      }, timeoutMs);
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) {
          this.note('warn', `engine process error: ${err.message}`);
          return;
        }
        // It never ran: no 'exit' follows, so this is the end of it.
        clearTimeout(timer);
        this.forget(child);
        reject(
          new EngineError(
            `could not start the engine with Node "${execPath}": ${describeSpawnError(err)}. ${NODE_PATH_FIX}`,
            'engine-exited',
          ),
        );
      });
      child.on('message', (raw) => {
        let message;
        try {
          message = parseEngineToHost(raw);
        } catch (err) {
          this.note('warn', `rejected a malformed message from the engine: ${(err as Error).message}`);
          return;
        }
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'reply') {
          if (message.ok) this.settle(message.id, undefined, message.result);
          else
            this.settle(
              message.id,
              new EngineError(message.error!.message, message.error!.code, message.error!.detail),
            );
        } else {
          if (message.type === 'cancelling') this.onCancelling(message);
          this.options.onEvent?.(message);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.onExit(child, code, signal);
        const notNode = nodePath ? ` Check that "${nodePath}" is Node.js: ${NODE_PATH_FIX}` : '';
        reject(
          new EngineError(
            `the engine exited before it was ready (${describeExit(code, signal)})${this.stderrHint()}.${notNode}`,
            'engine-exited',
          ),
        );
      });
    });
    this.readOutput(child);
    return this.ready;
  }

  /** Sends one command; `cancel()` asks the engine to stop it and kills the engine only if it does not. */
  request<N extends CommandName>(command: N, args: CommandArgs<N>): RunningRequest<CommandResult<N>> {
    const { id, reply } = this.pending.create({ command, sent: false });
    const result = reply as Promise<CommandResult<N>>;
    this.start().then(
      () => this.send(id, command, args),
      (err: Error) => this.settle(id, err),
    );
    return { id, result, cancel: () => this.cancelRequest(id) };
  }

  /** Cancels every request not yet answered. */
  cancelAll(): void {
    for (const id of this.pending.ids()) this.cancelRequest(id);
  }

  /** Ends the process: SIGTERM, then SIGKILL if it lingers. Pending requests are rejected on exit. */
  kill(reason?: string): void {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.killReason ??= reason;
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 2000).unref();
  }

  dispose(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.kill('the engine was shut down');
    return exited;
  }

  private send(id: number, command: CommandName, args: unknown): void {
    const pending = this.pending.get(id);
    if (!pending) return; // cancelled while the engine started
    if (!this.child) {
      this.settle(
        id,
        new EngineError(`the engine exited before "${command}" could be sent; run it again`, 'engine-exited'),
      );
      return;
    }
    this.child.send({ type: 'request', id, command, args });
    pending.sent = true;
  }

  private cancelRequest(id: number): void {
    const pending = this.pending.get(id);
    if (!pending || pending.cancel) return;
    if (!pending.sent || !this.child) {
      this.settle(id, new EngineError(`"${pending.command}" was cancelled before it started`, 'cancelled'));
      return;
    }
    this.child.send({ type: 'cancel', id });
    const graceMs = this.options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    pending.cancel = { read: false, checkpointing: false, deadline: this.deadline(id, graceMs) };
  }

  /** The cancelled request `id` must have stopped `ms` from now, or the engine is killed. */
  private deadline(id: number, ms: number): NodeJS.Timeout {
    return setTimeout(() => {
      const pending = this.pending.get(id);
      if (!pending?.cancel) return;
      const { read, checkpointing } = pending.cancel;
      const why = checkpointing
        ? `it was still saving its checkpoint ${ms / 1000} s after saying so`
        : read
          ? `the engine read the cancel but "${pending.command}" kept running for ${ms / 1000} s`
          : `the engine did not answer the cancel within ${ms / 1000} s (it is busy or hung)`;
      const reason = `"${pending.command}" did not stop after a cancel: ${why}`;
      this.note('warn', `${reason}; killing the engine`);
      this.kill(reason);
    }, ms);
  }

  private onCancelling(event: CancellingEvent): void {
    const state = this.pending.get(event.requestId)?.cancel;
    if (!state) return;
    if (event.phase === 'read') {
      state.read = true;
      return;
    }
    // Saving a checkpoint is the work a cancel should keep: give it its own, longer, grace.
    state.read = true;
    state.checkpointing = true;
    clearTimeout(state.deadline);
    state.deadline = this.deadline(event.requestId, this.options.checkpointGraceMs ?? DEFAULT_CHECKPOINT_GRACE_MS);
  }

  /** Answers request `id` (an error rejects it) and wakes those waiting for the client to be idle. */
  private settle(id: number, err: Error | undefined, value?: unknown): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    clearTimeout(pending.cancel?.deadline);
    if (err) this.pending.fail(id, err);
    else this.pending.answer(id, value);
    if (this.pending.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.forget(child);
    const description = describeExit(code, signal);
    const why = this.killReason ? `; it was stopped because ${this.killReason}` : this.stderrHint();
    for (const id of this.pending.ids()) {
      const pending = this.pending.get(id)!;
      if (!pending.sent) continue; // still waiting for a start that will fail or retry
      this.settle(
        id,
        pending.cancel
          ? new EngineError(
              `"${pending.command}" was cancelled; the engine was stopped (${description})${why}`,
              'cancelled',
            )
          : new EngineError(
              `the engine exited while running "${pending.command}" (${description})${why}; run it again`,
              'engine-exited',
            ),
      );
    }
    this.options.onExit?.(description);
  }

  /** The process is gone: the next request starts a new one. */
  private forget(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.ready = undefined;
  }

  private readOutput(child: ChildProcess): void {
    const limits = this.options.outputLimits ?? DEFAULT_OUTPUT_LIMITS;
    const rate = new LineRate((line) => this.onStderrLine(line), limits);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      const lines = new LineSplitter((line) => rate.line(line), limits.maxLineChars);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => lines.write(chunk));
      stream.on('end', () => {
        lines.end();
        rate.flush();
      });
    }
  }

  private onStderrLine(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > 20) this.stderrTail.shift();
    this.options.onStderr?.(line);
  }

  /** This client's own remarks, delivered like the engine's log events. */
  private note(level: LogLevel, message: string): void {
    this.options.onEvent?.({ type: 'log', level, message: `engine client: ${message}` });
  }

  private stderrHint(): string {
    const last = this.stderrTail
      .filter((l) => l.trim())
      .slice(-3)
      .join(' | ');
    return last ? `; its last output: ${last}` : '';
  }
}

function describeSpawnError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EACCES') return 'not an executable file';
  return err.message;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === 'SIGKILL') return 'killed by SIGKILL: out of memory, or killed by another program';
  if (signal) return `killed by ${signal}`;
  return `exit code ${code}`;
}
