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
  const msg = record(raw, 'message');
  switch (msg.type) {
    case 'request': {
      const command = str(msg, 'command');
      if (!(COMMAND_NAMES as readonly string[]).includes(command)) {
        throw new ProtocolError(`unknown command "${command}"; known: ${COMMAND_NAMES.join(', ')}`);
      }
      return { type: 'request', id: id(msg, 'id'), command: command as CommandName, args: record(msg.args, 'args') };
    }
    case 'cancel':
      return { type: 'cancel', id: id(msg, 'id') };
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(msg.type)}`);
  }
}

/** Checks a message the host received from the engine. */
export function parseEngineToHost(raw: unknown): EngineToHost {
  const msg = record(raw, 'message');
  switch (msg.type) {
    case 'reply': {
      const ok = bool(msg, 'ok');
      if (ok) return { type: 'reply', id: id(msg, 'id'), ok, result: msg.result };
      const err = record(msg.error, 'error');
      return {
        type: 'reply',
        id: id(msg, 'id'),
        ok,
        error: { code: oneOf(err, 'code', ERROR_CODES), message: str(err, 'message'), detail: optStr(err, 'detail') },
      };
    }
    case 'ready':
      return { type: 'ready', pid: id(msg, 'pid'), protocol: num(msg, 'protocol') };
    case 'progress':
      return {
        type: 'progress',
        requestId: id(msg, 'requestId'),
        stage: str(msg, 'stage'),
        done: num(msg, 'done'),
        total: num(msg, 'total'),
        message: optStr(msg, 'message'),
      };
    case 'log':
      return {
        type: 'log',
        level: oneOf(msg, 'level', LOG_LEVELS),
        message: str(msg, 'message'),
        requestId: msg.requestId === undefined ? undefined : id(msg, 'requestId'),
      };
    case 'metric':
      return {
        type: 'metric',
        requestId: id(msg, 'requestId'),
        stage: str(msg, 'stage'),
        name: str(msg, 'name'),
        value: num(msg, 'value'),
        step: msg.step === undefined ? undefined : num(msg, 'step'),
      };
    case 'stage':
      return {
        type: 'stage',
        requestId: id(msg, 'requestId'),
        runDir: str(msg, 'runDir'),
        stage: str(msg, 'stage'),
        status: oneOf(msg, 'status', STAGE_STATUSES),
      };
    case 'cancelling':
      return {
        type: 'cancelling',
        requestId: id(msg, 'requestId'),
        phase: oneOf(msg, 'phase', CANCEL_PHASES),
        message: optStr(msg, 'message'),
      };
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(msg.type)}`);
  }
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError(`${what} must be an object`);
  return v as Record<string, unknown>;
}
function str(o: Record<string, unknown>, key: string): string {
  if (typeof o[key] !== 'string') throw new ProtocolError(`"${key}" must be a string`);
  return o[key] as string;
}
function optStr(o: Record<string, unknown>, key: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key);
}
function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ProtocolError(`"${key}" must be a number`);
  return v;
}
function id(o: Record<string, unknown>, key: string): number {
  const v = num(o, key);
  if (!Number.isSafeInteger(v) || v < 0) throw new ProtocolError(`"${key}" must be a non-negative integer`);
  return v;
}
function bool(o: Record<string, unknown>, key: string): boolean {
  if (typeof o[key] !== 'boolean') throw new ProtocolError(`"${key}" must be a boolean`);
  return o[key] as boolean;
}
function oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const v = str(o, key);
  if (!(allowed as readonly string[]).includes(v))
    throw new ProtocolError(`"${key}" must be one of ${allowed.join(', ')}`);
  return v as T;
}
