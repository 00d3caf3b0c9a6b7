/**
 * Command-line conventions scripts and schedulers rely on: SIGTERM (Slurm pre-emption, `timeout`)
 * stops a stage as gently as Ctrl+C, under --json every failure is one JSON object on stdout, and
 * progress lines say the rate and the time left.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProgressPace } from '../../../src/engine/cli';
import { CLI, requireBuiltEngine, runCli } from '../../helpers/engine';
import { makeTinyRun } from '../../helpers/tinyRun';

test('SIGTERM during pre-training: the stage checkpoints, is marked cancelled, and --json reports it', async () => {
  requireBuiltEngine();
  const { runDir } = makeTinyRun();
  const child = spawn(
    process.execPath,
    [CLI, 'pretrain', '--run', runDir, '--preset', 'micro', '--steps', '5000', '--checkpoint-every', '5', '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  // Terminate once training is under way (the first progress line names a step count).
  child.stderr.on('data', (d) => {
    stderr += d;
    if (/pretrain .*\d+\/5000/.test(stderr) && child.exitCode === null && !child.killed) child.kill('SIGTERM');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted \(SIGTERM\)/);
  assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), {
    error: { kind: 'cancelled', message: 'cancelled' },
  });
  const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  assert.equal(record.stages.pretrain.status, 'cancelled');
  assert.ok(
    fs.existsSync(path.join(runDir, 'checkpoints', 'pretrain', 'latest.json')),
    'a checkpoint was written on the way out',
  );
});

test('under --json a usage error and a failure are each one JSON object on stdout', () => {
  const usage = runCli(['select', '--run', '/nowhere', '--method', 'nope', '--json']);
  assert.equal(usage.status, 2);
  assert.equal((usage.json?.error as { kind: string }).kind, 'usage');
  assert.match((usage.json?.error as { message: string }).message, /--method/);

  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-cli-'));
  fs.writeFileSync(path.join(runDir, 'run.json'), '{ not json');
  const failed = runCli(['select', '--run', runDir, '--method', 'random', '--json']);
  assert.equal(failed.status, 1);
  const error = failed.json?.error as { kind: string; message: string };
  assert.equal(error.kind, 'failed');
  assert.match(error.message, /run\.json is not valid JSON/);
});

test('progress lines show the rate and the time left, from the first report of their stage', () => {
  const pace = new ProgressPace();
  assert.equal(pace.describe('pretrain', 0, 100, 0), '', 'no rate from one report');
  assert.equal(pace.describe('pretrain', 10, 100, 2000), ' 5.0/s, 18s left');
  assert.equal(pace.describe('pretrain', 100, 100, 20_000), ' 5.0/s', 'nothing left at the end');
  assert.equal(pace.describe('score', 3, 1000, 21_000), '', 'a new stage starts its own clock');
  assert.equal(pace.describe('score', 503, 1000, 31_000), ' 50/s, 10s left');
  assert.equal(pace.describe('score', 3, 7203, 32_000), '', 'a counter that starts over resets');
  assert.equal(pace.describe('score', 5, 7203, 33_000), ' 2.0/s, 59m59s left');
});
