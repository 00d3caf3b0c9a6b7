/**
 * The wire protocol between the extension host and the engine process (Node IPC).
 *
 * The host sends requests (one engine command each) and cancels; the engine answers each request
 * with exactly one reply and streams events while it works. Every message that crosses the process
 * boundary is checked by the parse functions below before anything acts on it: a malformed message
 * becomes a ProtocolError, never a crash or a silently ignored field.
 */
import type { CommandName } from './commands';
import { COMMAND_NAMES } from './commands';
import { fieldReaders } from './messageKit';

export const PROTOCOL_VERSION = 1;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type StageStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export interface RequestMessage {
  type: 'request';
  id: number;
  command: CommandName;
  args: Record<string, unknown>;
}
export interface CancelMessage {
  type: 'cancel';
  id: number;
}
export type HostToEngine = RequestMessage | CancelMessage;

export type EngineErrorCode = 'cancelled' | 'bad-request' | 'failed' | 'unknown-command' | 'engine-exited';
export interface EngineErrorInfo {
  code: EngineErrorCode;
  message: string;
  /** Stack or extra context for the log; never shown as the headline. */
  detail?: string;
}
export interface ReplyMessage {
  type: 'reply';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: EngineErrorInfo;
}

export interface ReadyEvent {
  type: 'ready';
  pid: number;
  protocol: number;
}
export interface ProgressEvent {
  type: 'progress';
  requestId: number;
  stage: string;
  done: number;
  total: number;
  message?: string;
}
export interface LogEvent {
  type: 'log';
  requestId?: number;
  level: LogLevel;
  message: string;
}
export interface MetricEvent {
  type: 'metric';
  requestId: number;
  stage: string;
  name: string;
  value: number;
  step?: number;
}
export interface StageEvent {
  type: 'stage';
  requestId: number;
  runDir: string;
  stage: string;
  status: StageStatus;
}
/**
 * How a cancelled request is stopping. `read`: the engine has the cancel (sent at once, so the host
 * can tell a request that ignores it from an engine too busy to read it). `checkpointing`: the
 * request is saving its work before it stops; the host then waits longer before killing the engine.
 */
export type CancelPhase = 'read' | 'checkpointing';
export interface CancellingEvent {
  type: 'cancelling';
  requestId: number;
  phase: CancelPhase;
  message?: string;
}
export type EngineEvent = ReadyEvent | ProgressEvent | LogEvent | MetricEvent | StageEvent | CancellingEvent;
export type EngineToHost = ReplyMessage | EngineEvent;

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const read = fieldReaders((message) => new ProtocolError(message));

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const STAGE_STATUSES: readonly StageStatus[] = ['pending', 'running', 'done', 'failed', 'cancelled'];
const CANCEL_PHASES: readonly CancelPhase[] = ['read', 'checkpointing'];
const ERROR_CODES: readonly EngineErrorCode[] = [
  'cancelled',
  'bad-request',
  'failed',
  'unknown-command',
  'engine-exited',
];

/** Checks a message the engine received from the host. */
export function parseHostToEngine(raw: unknown): HostToEngine {
  const msg = read.object(raw, 'message');
  switch (msg.type) {
    case 'request': {
      const command = read.string(msg, 'command');
      if (!(COMMAND_NAMES as readonly string[]).includes(command)) {
        throw new ProtocolError(`unknown command "${command}"; known: ${COMMAND_NAMES.join(', ')}`);
      }
      return {
        type: 'request',
        id: read.id(msg, 'id'),
        command: command as CommandName,
        args: read.object(msg.args, 'args'),
      };
    }
    case 'cancel':
      return { type: 'cancel', id: read.id(msg, 'id') };
    default:
      throw read.unknownType(msg);
  }
}

/** Checks a message the host received from the engine. */
export function parseEngineToHost(raw: unknown): EngineToHost {
  const msg = read.object(raw, 'message');
  switch (msg.type) {
    case 'reply': {
      const ok = read.boolean(msg, 'ok');
      if (ok) return { type: 'reply', id: read.id(msg, 'id'), ok, result: msg.result };
      const err = read.object(msg.error, 'error');
      return {
        type: 'reply',
        id: read.id(msg, 'id'),
        ok,
        error: {
          code: read.oneOf(err, 'code', ERROR_CODES),
          message: read.string(err, 'message'),
          detail: read.optionalString(err, 'detail'),
        },
      };
    }
    case 'ready':
      return { type: 'ready', pid: read.id(msg, 'pid'), protocol: read.number(msg, 'protocol') };
    case 'progress':
      return {
        type: 'progress',
        requestId: read.id(msg, 'requestId'),
        stage: read.string(msg, 'stage'),
        done: read.number(msg, 'done'),
        total: read.number(msg, 'total'),
        message: read.optionalString(msg, 'message'),
      };
    case 'log':
      return {
        type: 'log',
        level: read.oneOf(msg, 'level', LOG_LEVELS),
        message: read.string(msg, 'message'),
        requestId: read.optionalId(msg, 'requestId'),
      };
    case 'metric':
      return {
        type: 'metric',
        requestId: read.id(msg, 'requestId'),
        stage: read.string(msg, 'stage'),
        name: read.string(msg, 'name'),
        value: read.number(msg, 'value'),
        step: msg.step === undefined ? undefined : read.number(msg, 'step'),
      };
    case 'stage':
      return {
        type: 'stage',
        requestId: read.id(msg, 'requestId'),
        runDir: read.string(msg, 'runDir'),
        stage: read.string(msg, 'stage'),
        status: read.oneOf(msg, 'status', STAGE_STATUSES),
      };
    case 'cancelling':
      return {
        type: 'cancelling',
        requestId: read.id(msg, 'requestId'),
        phase: read.oneOf(msg, 'phase', CANCEL_PHASES),
        message: read.optionalString(msg, 'message'),
      };
    default:
      throw read.unknownType(msg);
  }
}
