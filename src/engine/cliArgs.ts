/**
 * The command line's grammar: argv parsed by Node's own `util.parseArgs`, driven by each command's
 * option specs (so `--flag value`, `--flag=value`, `--no-flag`, short flags and `--` all behave as
 * in other CLIs), and the help text made from the same specs.
 */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES } from '../shared/engineInfo';
import { COMMAND_NAMES } from '../shared/commands';
import type { OptionSpec } from './command';
import { UsageError, kebab } from './command';
import { COMMANDS, findCommand } from './commands';
import { EXAMPLES } from './cliExamples';

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'backend',
    type: 'string',
    choices: ['auto', ...BACKEND_NAMES],
    description: 'TensorFlow.js backend (default auto: the fastest that works)',
  },
  { name: 'json', type: 'boolean', description: 'print one JSON object last on stdout (a failure too)' },
  { name: 'help', type: 'boolean', description: 'show this help' },
];

/** One letter for the options people type most; each means the same in every command that has it. */
const SHORT_FLAGS: Readonly<Record<string, string>> = { run: 'r', out: 'o', config: 'c', help: 'h' };

/** Environment variables the engine reads, listed in the help. */
export const ENVIRONMENT: ReadonlyArray<[string, string]> = [
  ['OPTIDEL_BACKEND', 'backend when --backend is not given (auto, tensorflow, webgpu, wasm, cpu)'],
  ['OPTIDEL_DEBUG', 'set to print stack traces of failures'],
];

/**
 * Parses the arguments after the command name against its options and the global ones. Values stay
 * strings (validateArgs converts and checks them, for the terminal and the host alike); booleans are
 * true, or false for `--no-x`.
 */
export function parseCommandArgv(
  argv: readonly string[],
  options: readonly OptionSpec[],
): Record<string, string | boolean> {
  const config: NonNullable<Parameters<typeof parseArgs>[0]>['options'] = {};
  for (const spec of options) {
    const short = SHORT_FLAGS[spec.name];
    config[kebab(spec.name)] = { type: spec.type === 'boolean' ? 'boolean' : 'string', ...(short ? { short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: true, allowNegative: true });
  } catch (err) {
    // parseArgs names the flag; the codes tell which mistake it was.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const flags: Record<string, string | boolean> = {};
  for (const spec of options) {
    const value = (parsed.values as Record<string, string | boolean | undefined>)[kebab(spec.name)];
    if (value !== undefined) flags[spec.name] = value;
  }
  const words = [...parsed.positionals];
  for (const spec of options.filter((o) => o.positional)) {
    const word = words.shift();
    if (word === undefined) break;
    if (spec.name in flags) throw new UsageError(`"${word}" and --${kebab(spec.name)} both give ${kebab(spec.name)}`);
    flags[spec.name] = word;
  }
  if (words.length) throw new UsageError(`unexpected argument "${words[0]}"`);
  return flags;
}

function optionLines(specs: readonly OptionSpec[]): string {
  return specs
    .map((o) => {
      const short = SHORT_FLAGS[o.name];
      const flag = `${short ? `-${short}, ` : '    '}--${o.type === 'boolean' && o.name !== 'help' && o.name !== 'json' ? '[no-]' : ''}${kebab(o.name)}${o.type === 'boolean' ? '' : ` <${o.type === 'string' && o.choices ? o.choices.join('|') : o.type}>`}`;
      const text = o.description + (o.required ? ' (required)' : '');
      return flag.length < 34 ? `  ${flag.padEnd(34)}${text}` : `  ${flag}\n  ${''.padEnd(34)}${text}`;
    })
    .join('\n');
}

export function usage(commandName?: string): string {
  const command = commandName ? findCommand(commandName) : undefined;
  const environment = ENVIRONMENT.map(([name, what]) => `  ${name.padEnd(18)}${what}`).join('\n');
  if (command) {
    const examples = EXAMPLES[command.name]?.map((e) => `  ${e}`).join('\n');
    const words = command.options
      .filter((o) => o.positional)
      .map((o) => (o.required ? `<${kebab(o.name)}>` : `[${kebab(o.name)}]`));
    return (
      `optidel ${command.name}: ${command.summary}\n\nUsage: optidel ${[command.name, ...words].join(' ')} [options]\n\n` +
      `Options:\n${optionLines(command.options)}\n${optionLines(GLOBAL_OPTIONS)}\n` +
      (examples ? `\nExamples:\n${examples}\n` : '') +
      `\nEnvironment:\n${environment}\n`
    );
  }
  const list = COMMAND_NAMES.map((n) => `  ${n.padEnd(14)}${COMMANDS[n].summary}`).join('\n');
  return (
    `optidel: data-efficient pre-training of medical imaging foundation models (OptiDEL)\n\n` +
    `Usage: optidel <command> [options]\n       optidel help <command>\n       optidel --version\n\n` +
    `Commands:\n${list}\n\nGlobal options:\n${optionLines(GLOBAL_OPTIONS)}\n\nEnvironment:\n${environment}\n\n` +
    `Run "optidel help <command>" for a command's options and examples.\n`
  );
}
