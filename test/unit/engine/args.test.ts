import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, validateArgs } from '../../../src/engine/command';
import { parseArgv } from '../../../src/engine/cli';

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
  const fromCli = validateArgs(command, parseArgv(['demo', '--budget', '0.05', '--seeds=3', '--methods', 'random,optidel', '--resume']).flags);
  const fromHost = validateArgs(command, { budget: 0.05, seeds: 3, methods: ['random', 'optidel'], resume: true });
  assert.deepEqual(fromCli, { budget: 0.05, seeds: 3, methods: ['random', 'optidel'], resume: true });
  assert.deepEqual(fromHost, fromCli);
});

test('bad arguments name the flag and what was expected', () => {
  assert.throws(() => validateArgs(command, {}), (e: unknown) => e instanceof UsageError && /--budget is required/.test(e.message));
  assert.throws(() => validateArgs(command, { budget: 'lots' }), /--budget must be a number/);
  assert.throws(() => validateArgs(command, { budget: 1, seeds: 1.5 }), /--seeds must be an integer/);
  assert.throws(() => validateArgs(command, { budget: 1, methods: 'random,magic' }), /unknown: magic/);
  assert.throws(() => validateArgs(command, { budget: 1, colour: 'red' }), /unknown option --colour/);
});
