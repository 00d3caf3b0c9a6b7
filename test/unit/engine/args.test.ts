import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, validateArgs } from '../../../src/engine/command';
import { parseCommandArgv, usage } from '../../../src/engine/cliArgs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli } from '../../helpers/engine';
import { SELECTION_METHOD_NAMES } from '../../../src/shared/commands';

const command = {
  name: 'demo',
  options: [
    { name: 'budget', type: 'number', description: 'fraction', required: true },
    { name: 'seeds', type: 'integer', description: 'count' },
    { name: 'methods', type: 'string[]', description: 'list', choices: ['random', 'optidel'] },
    { name: 'resume', type: 'boolean', description: 'flag' },
  ],
} as const;

test('command-line strings and host values validate to the same typed arguments', () => {
  const fromCli = validateArgs(
    command,
    parseCommandArgv(['--budget', '0.05', '--seeds=3', '--methods', 'random,optidel', '--resume'], command.options),
  );
  const fromHost = validateArgs(command, { budget: 0.05, seeds: 3, methods: ['random', 'optidel'], resume: true });
  assert.deepEqual(fromCli, { budget: 0.05, seeds: 3, methods: ['random', 'optidel'], resume: true });
  assert.deepEqual(fromHost, fromCli);
});

test('bad arguments name the flag and what was expected', () => {
  assert.throws(
    () => validateArgs(command, {}),
    (e: unknown) => e instanceof UsageError && /--budget is required/.test(e.message),
  );
  assert.throws(() => validateArgs(command, { budget: 'lots' }), /--budget must be a number/);
  assert.throws(() => validateArgs(command, { budget: 1, seeds: 1.5 }), /--seeds must be an integer/);
  assert.throws(() => validateArgs(command, { budget: 1, methods: 'random,magic' }), /unknown: magic/);
  assert.throws(() => validateArgs(command, { budget: 1, colour: 'red' }), /unknown option --colour/);
});

test('the command line reads flags as other CLIs do: --no-x, short flags, --, and booleans that take no value', () => {
  const options = [...command.options, { name: 'run', type: 'string', description: 'run folder' }] as const;
  assert.deepEqual(parseCommandArgv(['--no-resume', '-r', 'runs/a', '--budget=0.1'], options), {
    resume: false,
    run: 'runs/a',
    budget: '0.1',
  });
  // A boolean never swallows the next word: here it is a stray argument, and said so.
  assert.throws(() => parseCommandArgv(['--resume', 'false'], options), /unexpected argument "false"/);
  assert.throws(() => parseCommandArgv(['--budget', '1', '--', '--seeds'], options), /unexpected argument "--seeds"/);
  assert.throws(
    () => parseCommandArgv(['--colour', 'red'], options),
    (e: unknown) => e instanceof UsageError && /--colour/.test(e.message),
  );
  assert.throws(() => parseCommandArgv(['--budget'], options), /--budget/);
});

test('help lists choices, negatable flags, examples and environment variables; --version prints the version', () => {
  const help = usage('select');
  assert.match(help, new RegExp(`--method <${SELECTION_METHOD_NAMES.join('\\|')}>`));
  assert.match(help, /-r, --run <string>/);
  assert.match(help, /Examples:\n {2}optidel select -r runs\/first --method optidel/);
  assert.match(help, /OPTIDEL_BACKEND/);
  assert.match(usage('pretrain'), /--\[no-\]augment/);

  const version = runCli(['--version']);
  assert.equal(version.status, 0);
  assert.equal(
    version.stdout.trim(),
    `optidel ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}`,
  );
  const helpSelect = runCli(['help', 'select']);
  assert.equal(helpSelect.status, 0);
  assert.equal(helpSelect.stdout, help);
  assert.equal(runCli(['help', 'nope']).status, 2);
  const usageError = runCli(['select', '--nope', '--json']);
  assert.equal(usageError.status, 2);
  assert.equal((usageError.json?.error as { kind: string }).kind, 'usage');
});
