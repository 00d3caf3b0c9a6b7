/**
 * Two pipelines in two run folders at the same time, with the network cut off: both finish, neither
 * disturbs the other (same seed, same subset), and the engine never tries to reach the network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRun } from '../../../src/shared/node/runStore';
import { CLI, ROOT } from '../../helpers/engine';
import { makeTinyDemo } from '../../helpers/tinyRun';

function runPipeline(
  configFile: string,
  runDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--config',
        configFile,
        '--out',
        runDir,
        '--method',
        'optidel',
        '--preset',
        'micro',
        '--steps',
        '10',
        '--batch-size',
        '8',
        '--json',
      ],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code, signal) => resolve({ code, stderr: signal ? `${stderr}\nkilled by ${signal}` : stderr }));
  });
}

test('two runs at once in two folders, with no network access', async () => {
  const { root, configFile } = makeTinyDemo();
  const networkLog = path.join(root, 'network.log');
  const env = {
    NODE_OPTIONS: `--require ${path.join(ROOT, 'test/helpers/faults/noNetwork.cjs')}`,
    OPTIDEL_NETWORK_LOG: networkLog,
  };
  const [a, b] = [path.join(root, 'run-a'), path.join(root, 'run-b')];
  const results = await Promise.all([runPipeline(configFile, a, env), runPipeline(configFile, b, env)]);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  for (const dir of [a, b]) {
    const record = await readRun(dir);
    assert.equal(record.stages.train?.status, 'done', dir);
  }
  const selected = (dir: string) =>
    JSON.parse(fs.readFileSync(path.join(dir, 'selection', 'optidel.json'), 'utf8')).selected;
  assert.deepEqual(selected(a), selected(b));
  assert.equal(
    fs.existsSync(networkLog) ? fs.readFileSync(networkLog, 'utf8') : '',
    '',
    'no network access was attempted',
  );
});
