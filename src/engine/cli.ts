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
import type { CommandContext } from './command';
import { CancelledError, UsageError, runCommand, validateArgs } from './command';
import { findCommand } from './commands';
import { errorMessage } from './backends/select';
import { GLOBAL_OPTIONS, parseCommandArgv, usage } from './cliArgs';
import { OPTIDEL_VERSION } from './version';
import { escapeControls } from '../shared/controlChars';

/** What the terminal is sent of text that data put in (a shared run's stage error): no control sequence of its own. */
const shown = (text: string) => escapeControls(text, { keepLines: true });

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
      const line = `${stage} ${bar} ${done}/${total}${pace.describe(stage, done, total, now)}${message ? ` ${shown(message)}` : ''}`;
      if (tty) {
        process.stderr.write(`\r\x1b[K${line}`);
        lastPrinted = line;
        if (done >= total) clear();
      } else process.stderr.write(`${line}\n`);
    },
    log(level: LogLevel, message: string) {
      if (level === 'trace' || level === 'debug') return;
      clear();
      process.stderr.write(`${level === 'info' ? '' : `${level}: `}${shown(message)}\n`);
    },
    metric(stage, name, value, step) {
      clear();
      process.stderr.write(
        `[${stage}] ${name}=${Number.isInteger(value) ? value : value.toPrecision(5)}${step !== undefined ? ` step=${step}` : ''}\n`,
      );
    },
    stage(runDir, stage, status) {
      clear();
      process.stderr.write(`stage ${stage}: ${status} (${shown(runDir)})\n`);
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
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    process.stdout.write(`optidel ${OPTIDEL_VERSION}\n`);
    return 0;
  }
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic && !findCommand(topic)) return unknownCommand(topic);
    process.stdout.write(usage(topic));
    return first === undefined ? 2 : 0;
  }
  const command = findCommand(first);
  if (!command) return unknownCommand(first);
  let flags: Record<string, string | boolean>;
  try {
    flags = parseCommandArgv(rest, [...command.options, ...GLOBAL_OPTIONS]);
  } catch (err) {
    if (rest.includes('--json'))
      process.stdout.write(`${JSON.stringify({ error: { kind: 'usage', message: errorMessage(err) } })}\n`);
    process.stderr.write(`optidel ${command.name}: ${errorMessage(err)}\n\n${usage(command.name)}`);
    return EXIT_CODES.usage;
  }
  if (flags.help === true) {
    process.stdout.write(usage(command.name));
    return 0;
  }
  const { backend, json, help: _help, ...commandFlags } = flags;
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
    if (json) process.stdout.write(`${JSON.stringify({ error: { kind, message } })}\n`);
    process.stderr.write(shown(text));
    return EXIT_CODES[kind];
  };
  try {
    const globals = validateArgs({ name: 'optidel', options: GLOBAL_OPTIONS }, { backend });
    const args = validateArgs(command, commandFlags);
    const ctx: CommandContext = {
      signal: controller.signal,
      backendPreference: (globals.backend as BackendPreference | undefined) ?? envBackend(),
      ...stderrReporter(),
    };
    const result = await runCommand(command, args, ctx);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else
      process.stdout.write(
        `${shown(command.describe ? (command.describe as (r: unknown) => string)(result) : JSON.stringify(result, null, 2))}\n`,
      );
    return 0;
  } catch (err) {
    if (err instanceof UsageError)
      return fail('usage', err.message, `optidel: ${err.message}\n\n${usage(command.name)}`);
    if (err instanceof CancelledError) return fail('cancelled', 'cancelled', `optidel ${command.name}: cancelled\n`);
    const message = errorMessage(err);
    if (process.env.OPTIDEL_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return fail('failed', message, `optidel ${command.name}: ${message}\n`);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, stopGently).off(s, forceExit);
  }
}

function unknownCommand(name: string): number {
  process.stderr.write(`optidel: unknown command "${name}"\n\n${usage()}`);
  return EXIT_CODES.usage;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** How a command can fail, as `--json` reports it (`{ "error": { kind, message } }`), and its exit code. */
type FailureKind = 'usage' | 'failed' | 'cancelled';
const EXIT_CODES: Record<FailureKind, number> = { failed: 1, usage: 2, cancelled: 130 };

export function envBackend(): BackendPreference {
  const value = process.env.OPTIDEL_BACKEND;
  return value && (['auto', ...BACKEND_NAMES] as string[]).includes(value) ? (value as BackendPreference) : 'auto';
}
