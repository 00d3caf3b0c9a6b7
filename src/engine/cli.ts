/**
 * The engine as a command-line tool: `optidel <command> [--flags] [--json]`.
 *
 * Progress and logs go to stderr; with --json the result is one JSON object, last on stdout, so
 * scripts can pipe it; under --json a failure is one object too, `{ "error": { "kind", "message" } }`.
 * Exit codes: 0 done, 1 failed, 2 usage error, 130 interrupted (Ctrl+C or SIGTERM, stopped gently).
 */
import type { BackendPreference } from '../shared/engineInfo';
import { BACKEND_NAMES } from '../shared/engineInfo';
import type { LogLevel } from '../shared/protocol';
import { COMMAND_NAMES } from '../shared/commands';
import type { CommandContext, OptionSpec } from './command';
import { CancelledError, UsageError, camel, kebab, validateArgs } from './command';
import { COMMANDS, findCommand } from './commands';
import { errorMessage } from './backends/select';

interface ParsedArgv {
  command?: string;
  flags: Record<string, string | true>;
  help: boolean;
}

export function parseArgv(argv: readonly string[]): ParsedArgv {
  const flags: Record<string, string | true> = {};
  let command: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
      const next = argv[i + 1];
      if (inline !== undefined) flags[camel(name)] = inline;
      else if (next !== undefined && !next.startsWith('--')) flags[camel(name)] = argv[++i];
      else flags[camel(name)] = true;
    } else if (!command) command = arg;
    else throw new UsageError(`unexpected argument "${arg}"`);
  }
  return { command, flags, help };
}

const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'backend', type: 'string', choices: ['auto', ...BACKEND_NAMES], description: 'TensorFlow.js backend (default auto: the fastest that works)' },
  { name: 'json', type: 'boolean', description: 'print one JSON object last on stdout' },
];

export function usage(commandName?: string): string {
  const command = commandName ? findCommand(commandName) : undefined;
  const options = (specs: readonly OptionSpec[]) =>
    specs.map((o) => `  --${kebab(o.name)}${o.type === 'boolean' ? '' : ` <${o.type}>`}`.padEnd(30) + o.description + (o.required ? ' (required)' : '')).join('\n');
  if (command) {
    return `optidel ${command.name}: ${command.summary}\n\nOptions:\n${options(command.options)}\n${options(GLOBAL_OPTIONS)}\n`;
  }
  const list = COMMAND_NAMES.map((n) => `  ${n.padEnd(14)}${COMMANDS[n].summary}`).join('\n');
  return `optidel: data-efficient pre-training of medical imaging foundation models (OptiDEL)\n\n` +
    `Usage: optidel <command> [options] [--json]\n\nCommands:\n${list}\n\nGlobal options:\n${options(GLOBAL_OPTIONS)}\n\n` +
    `Run "optidel <command> --help" for a command's options.\n`;
}

/** Draws one progress line on stderr, redrawn in place on a terminal and throttled elsewhere. */
function stderrReporter(): Pick<CommandContext, 'progress' | 'log' | 'metric' | 'stage'> {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  let lastPrinted = '';
  const pace = new ProgressPace();
  const clear = () => {
    if (tty && lastPrinted) process.stderr.write('\r\x1b[K');
    lastPrinted = '';
  };
  return {
    progress(stage, done, total, message) {
      const now = Date.now();
      if (!tty && now - lastLine < 2000 && done < total) return;
      lastLine = now;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      const line = `${stage} ${bar} ${done}/${total}${pace.describe(stage, done, total, now)}${message ? ` ${message}` : ''}`;
      if (tty) {
        process.stderr.write(`\r\x1b[K${line}`);
        lastPrinted = line;
        if (done >= total) clear();
      } else process.stderr.write(`${line}\n`);
    },
    log(level: LogLevel, message: string) {
      if (level === 'trace' || level === 'debug') return;
      clear();
      process.stderr.write(`${level === 'info' ? '' : `${level}: `}${message}\n`);
    },
    metric(stage, name, value, step) {
      clear();
      process.stderr.write(`[${stage}] ${name}=${Number.isInteger(value) ? value : value.toPrecision(5)}${step !== undefined ? ` step=${step}` : ''}\n`);
    },
    stage(runDir, stage, status) {
      clear();
      process.stderr.write(`stage ${stage}: ${status} (${runDir})\n`);
    },
  };
}

/**
 * Rate and time left of a stage's progress, from the first report of that stage on: ` 12.3/s, 1m05s
 * left`. Empty until a second report moves forward, and when a stage's counter starts over.
 */
export class ProgressPace {
  private start?: { stage: string; done: number; time: number };
  private lastDone = 0;

  describe(stage: string, done: number, total: number, now: number): string {
    if (!this.start || this.start.stage !== stage || done < this.lastDone) this.start = { stage, done, time: now };
    this.lastDone = done;
    const seconds = (now - this.start.time) / 1000;
    const rate = (done - this.start.done) / seconds;
    if (!(seconds > 0) || !(rate > 0)) return '';
    const left = done < total ? `, ${formatDuration((total - done) / rate)} left` : '';
    return ` ${rate >= 10 ? rate.toFixed(0) : rate.toPrecision(2)}/s${left}`;
  }
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  let parsed: ParsedArgv;
  try {
    parsed = parseArgv(argv);
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n\n${usage()}`);
    return 2;
  }
  if (!parsed.command || parsed.command === 'help') {
    process.stdout.write(usage(parsed.flags.help ? undefined : undefined));
    return parsed.command || parsed.help ? 0 : 2;
  }
  const command = findCommand(parsed.command);
  if (!command) {
    process.stderr.write(`optidel: unknown command "${parsed.command}"\n\n${usage()}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(usage(command.name));
    return 0;
  }
  const { backend, json, ...rest } = parsed.flags;
  const controller = new AbortController();
  // SIGTERM (Slurm pre-emption, `timeout`, a container stop) stops as gently as Ctrl+C: the stage
  // checkpoints and is marked cancelled. A second signal of either kind forces the exit.
  const stopGently = (signal: NodeJS.Signals) => {
    process.stderr.write(`\ninterrupted (${signal}): stopping after the current step (send it again to force)\n`);
    controller.abort();
    for (const s of STOP_SIGNALS) process.off(s, stopGently).once(s, forceExit);
  };
  const forceExit = () => process.exit(EXIT_CODES.cancelled);
  for (const s of STOP_SIGNALS) process.once(s, stopGently);
  const fail = (kind: FailureKind, message: string, text: string): number => {
    if (json === true) process.stdout.write(`${JSON.stringify({ error: { kind, message } })}\n`);
    process.stderr.write(text);
    return EXIT_CODES[kind];
  };
  try {
    const globals = validateArgs({ name: 'optidel', options: GLOBAL_OPTIONS }, { backend, json });
    const args = validateArgs(command, rest);
    const ctx: CommandContext = {
      signal: controller.signal,
      backendPreference: (globals.backend as BackendPreference | undefined) ?? envBackend(),
      ...stderrReporter(),
    };
    // The commands map ties each name to its own argument type; validateArgs has checked them.
    const result = await (command.run as (a: unknown, c: CommandContext) => Promise<unknown>)(args, ctx);
    if (globals.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${command.describe ? (command.describe as (r: unknown) => string)(result) : JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return fail('usage', err.message, `optidel: ${err.message}\n\n${usage(command.name)}`);
    if (err instanceof CancelledError) return fail('cancelled', 'cancelled', `optidel ${command.name}: cancelled\n`);
    const message = errorMessage(err);
    if (process.env.OPTIDEL_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return fail('failed', message, `optidel ${command.name}: ${message}\n`);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, stopGently).off(s, forceExit);
  }
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** How a command can fail, as `--json` reports it (`{ "error": { kind, message } }`), and its exit code. */
type FailureKind = 'usage' | 'failed' | 'cancelled';
const EXIT_CODES: Record<FailureKind, number> = { failed: 1, usage: 2, cancelled: 130 };

export function envBackend(): BackendPreference {
  const value = process.env.OPTIDEL_BACKEND;
  return value && (['auto', ...BACKEND_NAMES] as string[]).includes(value) ? (value as BackendPreference) : 'auto';
}
