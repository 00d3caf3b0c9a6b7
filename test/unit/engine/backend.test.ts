import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli } from '../../helpers/engine';
import { explainLoadFailure } from '../../../src/engine/backends/tensorflow';

interface Candidate {
  name: string;
  available: boolean;
  reason: string;
}

test('with tfjs-node-gpu absent, info records why and chooses wasm, with a reason for every backend', () => {
  const run = runCli(['info', '--json'], { env: { OPTIDEL_BACKEND: '' } });
  assert.equal(run.status, 0, run.stderr);
  const info = run.json!;
  assert.equal(info.backend, 'wasm');
  assert.match(String(info.tfjsVersion), /^\d+\.\d+\.\d+$/);
  assert.equal(
    info.version,
    JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
    'info names the OptiDEL version',
  );
  const candidates = info.candidates as Candidate[];
  assert.deepEqual(candidates.map((c) => c.name).sort(), ['cpu', 'tensorflow', 'wasm', 'webgpu']);
  for (const c of candidates) assert.ok(c.reason.length > 5, `${c.name} has a reason`);
  assert.match(candidates.find((c) => c.name === 'tensorflow')!.reason, /not installed.*tfjs-node-gpu/);
  assert.equal(candidates.find((c) => c.name === 'wasm')!.available, true);
});

test('forcing cpu works and reports the forced choice', () => {
  const run = runCli(['info', '--json', '--backend', 'cpu', '--matmul-size', '64', '--matmul-repeats', '2']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.json!.backend, 'cpu');
  assert.equal(run.json!.preference, 'cpu');
  assert.ok((run.json!.matmulGflops as number) > 0);
});

test('forcing an unavailable backend fails with a message naming it', () => {
  const run = runCli(['info', '--json', '--backend', 'tensorflow']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /the backend "tensorflow" was requested but is not available/);
  // Under --json the failure is one JSON object on stdout, nothing else.
  assert.equal(run.stdout.trim().split('\n').length, 1);
  assert.equal((run.json!.error as { kind: string }).kind, 'failed');
});

test('a CUDA load failure names the missing library and what provides it', () => {
  assert.match(
    explainLoadFailure('libcudart.so.11.0: cannot open shared object file: No such file or directory'),
    /libcudart\.so\.11\.0 was not found.*CUDA 11\.2 runtime/,
  );
  assert.match(
    explainLoadFailure('Error: libcudnn.so.8: cannot open shared object file'),
    /libcudnn\.so\.8 was not found.*cuDNN 8\.1/,
  );
});

test('--help lists the commands; an unknown command exits 2', () => {
  const help = runCli(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Commands:\n\s+info/);
  assert.equal(runCli(['transmogrify']).status, 2);
});
