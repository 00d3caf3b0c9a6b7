/**
 * `optidel score --runtime onnxruntime` through the real CLI on a pre-trained tiny run: without
 * onnxruntime-node it fails before touching the run, saying how to install it; with it (where
 * ONNXRUNTIME_NODE_DIR names one) its embeddings, difficulty and per-patch maps equal the
 * TensorFlow.js path's within 1e-4, for the normalised and the pvi score, and the exported scorer
 * is cached in the run folder by the checkpoint it came from.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../../src/shared/run/layout';
import { resolveOnnxruntime } from '../../../src/engine/onnx/onnxruntime';
import { runCli } from '../../helpers/engine';
import type { TinyRun } from '../../helpers/tinyRun';
import { cloneRun, makeTinyRun } from '../../helpers/tinyRun';

const onnxruntime = resolveOnnxruntime();
let run: TinyRun;

before(() => {
  run = makeTinyRun();
  const pretrain = runCli(['pretrain', '--run', run.runDir, '--preset', 'micro', '--steps', '10', '--batch-size', '8']);
  assert.equal(pretrain.status, 0, pretrain.stderr);
});

after(() => {
  if (run) fs.rmSync(run.root, { recursive: true, force: true });
});

function readF32(runDir: string, file: string): Float32Array {
  const bytes = fs.readFileSync(path.join(runDir, file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'same number of values');
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);
}

test('score --runtime onnxruntime without onnxruntime-node fails at once, saying how to install it', () => {
  const runDir = cloneRun(run, 'no-onnxruntime');
  const before = fs.readFileSync(path.join(runDir, ARTIFACTS.run), 'utf8');
  const empty = fs.mkdtempSync(path.join(run.root, 'empty-'));
  const r = runCli(['score', '--run', runDir, '--runtime', 'onnxruntime'], { env: { ONNXRUNTIME_NODE_DIR: empty } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /score --runtime onnxruntime: onnxruntime-node cannot be found from ONNXRUNTIME_NODE_DIR=/);
  assert.match(r.stderr, /ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node/);
  assert.equal(fs.readFileSync(path.join(runDir, ARTIFACTS.run), 'utf8'), before, 'run.json untouched');
  assert.ok(!fs.existsSync(path.join(runDir, ARTIFACTS.scores)), 'no scores written');
});

for (const difficulty of ['normalised', 'pvi']) {
  test(
    `score --runtime onnxruntime gives the TensorFlow.js scores within 1e-4 (${difficulty})`,
    { skip: onnxruntime.skipped ?? false },
    (t) => {
      const dirs = { tfjs: cloneRun(run, `tfjs-${difficulty}`), onnxruntime: cloneRun(run, `ort-${difficulty}`) };
      for (const [runtime, runDir] of Object.entries(dirs)) {
        const r = runCli(['score', '--run', runDir, '--runtime', runtime, '--difficulty', difficulty, '--json']);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.json!.runtime, runtime);
        const info = JSON.parse(fs.readFileSync(path.join(runDir, ARTIFACTS.scores), 'utf8')) as { runtime: string };
        assert.equal(info.runtime, runtime, 'scores.json says which runtime scored');
      }
      const diffs = [ARTIFACTS.embeddings, ARTIFACTS.difficulty, ARTIFACTS.patchErrors].map((file) => {
        const reference = readF32(dirs.tfjs, file);
        assert.ok(
          reference.some((v) => Math.abs(v) > 0.01),
          `${file} is not all near zero`,
        );
        return [file, maxAbsDiff(readF32(dirs.onnxruntime, file), reference)] as const;
      });
      t.diagnostic(diffs.map(([file, d]) => `${file} ${d.toExponential(2)}`).join(', '));
      for (const [file, d] of diffs) assert.ok(d < 1e-4, `${file} differs by ${d}`);

      // The scorer is exported once per checkpoint: a second score reuses the file.
      const onnxDir = path.join(dirs.onnxruntime, ARTIFACTS.onnxDir);
      const [scorer, ...others] = fs.readdirSync(onnxDir);
      assert.match(scorer!, /^scorer-[0-9a-f]{16}\.onnx$/);
      assert.deepEqual(others, []);
      const written = fs.statSync(path.join(onnxDir, scorer!)).mtimeMs;
      const again = runCli([
        'score',
        '--run',
        dirs.onnxruntime,
        '--runtime',
        'onnxruntime',
        '--difficulty',
        difficulty,
      ]);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(fs.statSync(path.join(onnxDir, scorer!)).mtimeMs, written, 'the cached scorer is reused');
    },
  );
}
