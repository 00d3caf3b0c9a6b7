/**
 * What the engine says, written to the extension's log at the level it means and within bounds:
 * stderr lines get the level their source gave them (TensorFlow's I/W/E/F, Node's warnings, error
 * lines, TensorFlow.js's start-up chatter at debug) instead of all being warnings, messages are cut to a length, and a flood is dropped with
 * a note (outputLimits.ts), so a runaway engine cannot grow the log without end.
 *
 * Free of `vscode`: a LogOutputChannel is a LogSink, and tests pass a plain one.
 */
import type { LogLevel } from '../../shared/protocol';
import { DEFAULT_OUTPUT_LIMITS, LineRate, cutLine, type OutputLimits } from '../../shared/node/outputLimits';

export type LogSink = Record<LogLevel, (message: string) => void>;

const GLOG_LEVELS: Record<string, LogLevel> = { I: 'info', W: 'warn', E: 'error', F: 'error' };
/** Node warnings that only say a feature is new or old: chatter, not a problem of the user's. */
const QUIET_NODE_WARNINGS = new Set(['ExperimentalWarning', 'DeprecationWarning']);

/**
 * What TensorFlow.js and its WebAssembly backend say on every start: a platform or kernel
 * registered twice, the hint to install tfjs-node (with its `====` frame), XNNPACK being set up.
 * Nothing the user can act on, so it goes to the debug level, out of the default log view.
 */
const TFJS_CHATTER = [
  /^Platform \w+ has already been set/,
  /^The kernel '[^']*' for backend '[^']*' is already registered/,
  /^\w+ backend was already registered/i,
  /^Hi there \S+ Looks like you are running TensorFlow\.js in Node\.js/,
  /^=+\s*$/,
  /\bXNNPACK\b/,
];

/** An error's headline, a line of its stack, or a native crash. */
const ERROR_LINE = [
  /^\s*(?:Uncaught |Fatal |\w*(?:Error|Exception)\b)/,
  /^\s+at .+:\d+:\d+\)?$/,
  /\b(?:fatal error|Segmentation fault|Aborted)\b/,
];

/** The level a line of engine stderr deserves. */
export function stderrLevel(line: string): LogLevel {
  // TensorFlow's C++ logging: "2024-01-02 03:04:05.678901: W tensorflow/..." or "W0102 03:04:05.678 ...".
  const glog =
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?: ([IWEF]) /.exec(line) ?? /^([IWEF])\d{4} \d\d:\d\d:\d\d/.exec(line);
  if (glog) return GLOG_LEVELS[glog[1]];
  const nodeWarning = /^\(node:\d+\) (\w*Warning):/.exec(line);
  if (nodeWarning) return QUIET_NODE_WARNINGS.has(nodeWarning[1]) ? 'info' : 'warn';
  if (ERROR_LINE.some((pattern) => pattern.test(line))) return 'error';
  if (TFJS_CHATTER.some((pattern) => pattern.test(line))) return 'debug';
  if (/^\s*warn(?:ing)?\b/i.test(line)) return 'warn';
  return 'info';
}

export class EngineLog {
  private readonly rate: LineRate;

  constructor(
    sink: LogSink,
    private readonly limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
    now: () => number = Date.now,
  ) {
    this.rate = new LineRate((message, level) => sink[level](message), limits, now);
  }

  /** A message from the engine (a log event, a metric, a stage change) or from its client. */
  message(level: LogLevel, text: string): void {
    this.rate.line(cutLine(text, this.limits.maxLineChars), level);
  }

  /** A line the engine printed on stdout or stderr; blank ones carry nothing. */
  stderr(line: string): void {
    if (line.trim()) this.message(stderrLevel(line), `[engine] ${line}`);
  }

  /** Writes the note for a flood that has ended. */
  flush(): void {
    this.rate.flush();
  }
}
