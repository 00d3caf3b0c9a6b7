/**
 * How an engine command is declared: its options (which validate arguments from the terminal and
 * from the host alike) and one function that does the work, reporting through a context.
 */
import type { CommandArgs, CommandName, CommandResult } from '../shared/commands';
import type { LogLevel, StageStatus } from '../shared/protocol';
import type { BackendPreference } from '../shared/engineInfo';
import * as path from 'node:path';
import { checkRunLayout } from '../shared/run/node/contain';

export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'string[]';

export interface OptionSpec {
  /** camelCase key; the command line spells it --kebab-case. */
  name: string;
  type: OptionType;
  description: string;
  required?: boolean;
  /** For strings: the only values allowed. */
  choices?: readonly string[];
  /** Given on the command line as a bare word, in the order of the options (`optidel runs show RUN`). */
  positional?: boolean;
}

/** What a running command may tell the outside world; the terminal and the host render it differently. */
export interface CommandContext {
  readonly signal: AbortSignal;
  readonly backendPreference: BackendPreference;
  progress(stage: string, done: number, total: number, message?: string): void;
  log(level: LogLevel, message: string): void;
  metric(stage: string, name: string, value: number, step?: number): void;
  stage(runDir: string, stage: string, status: StageStatus): void;
  /**
   * Says that a cancelled command is saving its work before it stops. Only the IPC server needs it:
   * the host then gives the request longer before it kills the engine. A terminal never kills.
   */
  checkpointing?(message: string): void;
}

/** A context that reports nothing and is never cancelled: for scripts that call a stage directly. */
export function quietContext(backendPreference: BackendPreference = 'wasm'): CommandContext {
  return {
    signal: new AbortController().signal,
    backendPreference,
    progress() {},
    log() {},
    metric() {},
    stage() {},
  };
}

export interface EngineCommand<N extends CommandName> {
  name: N;
  summary: string;
  options: readonly OptionSpec[];
  run(args: CommandArgs<N>, ctx: CommandContext): Promise<CommandResult<N>>;
  /** A few human-readable lines for the terminal when --json is not given. */
  describe?(result: CommandResult<N>): string;
}

/**
 * Runs a command whose arguments validateArgs has checked (the terminal and the host alike). A
 * `--run` folder is checked for links and special files first, so no command, reading or
 * writing, follows a shared run folder's `scores -> ~/` out of it.
 */
export function runCommand(command: EngineCommand<CommandName>, args: unknown, ctx: CommandContext): Promise<unknown> {
  const run = (args as { run?: unknown }).run;
  if (typeof run === 'string') checkRunLayout(path.resolve(run));
  // The commands map ties each name to its own argument type; validateArgs has checked them.
  return (command.run as (a: unknown, c: CommandContext) => Promise<unknown>)(args, ctx);
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** Throws CancelledError if the command was asked to stop; call it between units of work. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

/**
 * Lets waiting messages in (a cancel request arrives as one), then stops if the signal is
 * aborted. Loops of TensorFlow.js work only await promises that settle as microtasks, so without
 * this a cancel would not be read until the loop ends.
 */
export async function letCancelIn(signal?: AbortSignal): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (signal) throwIfCancelled(signal);
}

/** Checks and converts arguments against the command's options; unknown keys are errors too. */
export function validateArgs(
  command: { name: string; options: readonly OptionSpec[] },
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = new Map(command.options.map((o) => [o.name, o]));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      throw new UsageError(
        `${command.name}: unknown option --${kebab(key)}` +
          (known.size ? `; known: ${[...known.keys()].map((k) => `--${kebab(k)}`).join(', ')}` : ''),
      );
    }
  }
  for (const spec of command.options) {
    const value = raw[spec.name];
    if (value === undefined) {
      if (spec.required)
        throw new UsageError(`${command.name}: --${kebab(spec.name)} is required (${spec.description})`);
      continue;
    }
    out[spec.name] = coerce(command.name, spec, value);
  }
  return out;
}

function coerce(commandName: string, spec: OptionSpec, value: unknown): unknown {
  const flag = `--${kebab(spec.name)}`;
  const fail = (expected: string): never => {
    throw new UsageError(`${commandName}: ${flag} must be ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (spec.type) {
    case 'string': {
      if (typeof value !== 'string' || value === '') fail('a non-empty string');
      if (spec.choices && !spec.choices.includes(value as string)) fail(`one of ${spec.choices.join(', ')}`);
      return value;
    }
    case 'number':
    case 'integer': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) fail('a number');
      if (spec.type === 'integer' && !Number.isInteger(n)) fail('an integer');
      return n;
    }
    case 'boolean': {
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      return fail('true or false');
    }
    case 'string[]': {
      const list =
        typeof value === 'string'
          ? value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : value;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s !== '')) fail('a comma-separated list');
      const items = list as string[];
      const bad = spec.choices && items.find((s) => !spec.choices!.includes(s));
      if (bad) fail(`a list of ${spec.choices!.join(', ')} (unknown: ${bad})`);
      return items;
    }
  }
}

export function kebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
