/**
 * A handle on an engine process: the extension host's, and the benchmark's workers (an engine
 * that fans its encoders out to more engines). It owns the process: starts it with the configured
 * Node, sends typed requests, relays events, cancels politely and then by force, and notices at once
 * when the process dies, rejecting whatever was pending with an error that says what happened.
 *
 * Free of `vscode` and TensorFlow.js imports, so the host can load it and it is tested as plain Node.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { CommandArgs, CommandName, CommandResult } from '../commands';
import type { BackendPreference } from '../engineInfo';
import type { EngineErrorCode, EngineEvent } from '../protocol';
import { parseEngineToHost } from '../protocol';

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
  /** How long the process may take to say it is ready. */
  startTimeoutMs?: number;
  onEvent?: (event: EngineEvent) => void;
  /** Lines the engine printed on stderr (warnings from native libraries, crashes). */
  onStderr?: (line: string) => void;
  onExit?: (description: string) => void;
}

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

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  killTimer?: NodeJS.Timeout;
}

export class EngineClient {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly stderrTail: string[] = [];

  constructor(private readonly options: EngineClientOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process if it is not running; resolves once it has said it is ready. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    const { enginePath, nodePath, modulePaths = [], libraryPaths = [], backend = 'auto' } = this.options;
    const env = { ...process.env };
    if (modulePaths.length) env.NODE_PATH = [...modulePaths, env.NODE_PATH].filter(Boolean).join(path.delimiter);
    if (libraryPaths.length) env.LD_LIBRARY_PATH = [...libraryPaths, env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter);
    // Electron's own Node would otherwise start as Electron; this makes it plain Node.
    env.ELECTRON_RUN_AS_NODE = '1';
    const child = fork(enginePath, ['--ipc', '--backend', backend], {
      execPath: nodePath || process.execPath,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env,
    });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new EngineError(`the engine did not start within ${(this.options.startTimeoutMs ?? 30_000) / 1000} s (${nodePath || process.execPath} ${enginePath})`, 'engine-exited'));
        this.kill();
      }, this.options.startTimeoutMs ?? 30_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new EngineError(`could not start the engine with Node "${nodePath || process.execPath}": ${err.message}. Check the setting optidel.engine.nodePath.`, 'engine-exited'));
      });
      child.on('message', (raw) => {
        let message;
        try {
          message = parseEngineToHost(raw);
        } catch (err) {
          this.options.onStderr?.(`rejected a malformed message from the engine: ${(err as Error).message}`);
          return;
        }
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'reply') {
          const pending = this.pending.get(message.id);
          if (!pending) return;
          this.pending.delete(message.id);
          clearTimeout(pending.killTimer);
          if (message.ok) pending.resolve(message.result);
          else pending.reject(new EngineError(message.error!.message, message.error!.code, message.error!.detail));
        } else this.options.onEvent?.(message);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.onExit(child, code, signal);
        reject(new EngineError(`the engine exited before it was ready (${describeExit(code, signal)})${this.stderrHint()}`, 'engine-exited'));
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) this.onStderrLine(line);
      });
    }
    return this.ready;
  }

  /** Sends one command; `cancel()` asks the engine to stop and kills it if it does not within the grace period. */
  request<N extends CommandName>(command: N, args: CommandArgs<N>): RunningRequest<CommandResult<N>> {
    const id = this.nextId++;
    let cancelled = false;
    const result = this.start().then(
      () =>
        new Promise<CommandResult<N>>((resolve, reject) => {
          this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject });
          this.child?.send({ type: 'request', id, command, args });
          if (cancelled) this.cancelRequest(id);
        }),
    );
    return {
      id,
      result,
      cancel: () => {
        cancelled = true;
        this.cancelRequest(id);
      },
    };
  }

  private cancelRequest(id: number): void {
    const pending = this.pending.get(id);
    if (!pending || pending.killTimer || !this.child) return;
    this.child.send({ type: 'cancel', id });
    pending.killTimer = setTimeout(() => {
      this.options.onStderr?.(`the engine did not stop "${pending.command}" within ${(this.options.cancelGraceMs ?? 5000) / 1000} s of the cancel; killing it`);
      this.kill();
    }, this.options.cancelGraceMs ?? 5000);
  }

  /** Ends the process: SIGTERM, then SIGKILL if it lingers. Pending requests are rejected on exit. */
  kill(): void {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 2000).unref();
  }

  dispose(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.kill();
    return exited;
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.ready = undefined;
    const description = describeExit(code, signal);
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.killTimer);
      const wasCancelled = pending.killTimer !== undefined;
      pending.reject(
        wasCancelled
          ? new EngineError(`"${pending.command}" was cancelled; the engine was stopped (${description})`, 'cancelled')
          : new EngineError(`the engine exited while running "${pending.command}" (${description})${this.stderrHint()}`, 'engine-exited'),
      );
      this.pending.delete(id);
    }
    this.options.onExit?.(description);
  }

  private onStderrLine(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > 20) this.stderrTail.shift();
    this.options.onStderr?.(line);
  }

  private stderrHint(): string {
    const last = this.stderrTail.filter((l) => l.trim()).slice(-3).join(' | ');
    return last ? `; its last output: ${last}` : '';
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === 'SIGKILL') return 'killed by SIGKILL: out of memory, or killed by another program';
  if (signal) return `killed by ${signal}`;
  return `exit code ${code}`;
}
