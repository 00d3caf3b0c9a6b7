/**
 * `optidel score` and `optidel propose --runtime onnxruntime` through the real CLI on a
 * pre-trained tiny run: without onnxruntime-node they fail before touching the run, saying how to
 * install it; with it (where ONNXRUNTIME_NODE_DIR names one) score's embeddings, difficulty and
 * per-patch maps, and propose's key patches and their difficulties, equal the TensorFlow.js path's
 * within 1e-4, for the normalised and the pvi score, and the exported scorer is cached in the run
 * folder by the checkpoint it came from. The runtime comes from the flag, else the run config's
 * model.runtime, and `optidel run --runtime` hands it to both stages; run.json records it.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../../src/shared/run/layout';
import { resolveOnnxruntime } from '../../../src/engine/onnx/onnxruntime';
import { runCli } from '../../helpers/engine';
import type { TinyRun } from '../../helpers/tinyRun';
import { cloneRun, makeTinyDemo, makeTinyRun, runTinyPipeline } from '../../helpers/tinyRun';

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

for (const command of ['score', 'propose']) {
  test(`${command} --runtime onnxruntime without onnxruntime-node fails at once, saying how to install it`, () => {
    const runDir = cloneRun(run, `no-onnxruntime-${command}`);
    const before = fs.readFileSync(path.join(runDir, ARTIFACTS.run), 'utf8');
    const empty = fs.mkdtempSync(path.join(run.root, 'empty-'));
    const r = runCli([command, '--run', runDir, '--runtime', 'onnxruntime'], {
      env: { ONNXRUNTIME_NODE_DIR: empty },
    });
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      new RegExp(`${command} --runtime onnxruntime: onnxruntime-node cannot be found from ONNXRUNTIME_NODE_DIR=`),
    );
    assert.match(r.stderr, /ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node/);
    assert.equal(fs.readFileSync(path.join(runDir, ARTIFACTS.run), 'utf8'), before, 'run.json untouched');
    assert.ok(!fs.existsSync(path.join(runDir, ARTIFACTS.scores)), 'no scores written');
  });
}

/** Sets the run config's model.runtime in run.json (what ingest copied from optidel.json). */
function setConfigRuntime(runDir: string, runtime: unknown): void {
  const file = path.join(runDir, ARTIFACTS.run);
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { config: Record<string, unknown> };
  record.config.model = { ...(record.config.model as object), runtime };
  fs.writeFileSync(file, JSON.stringify(record, null, 2));
}

function stageSummary(runDir: string, stage: string): Record<string, unknown> {
  const record = JSON.parse(fs.readFileSync(path.join(runDir, ARTIFACTS.run), 'utf8')) as {
    stages: Record<string, { summary?: Record<string, unknown> }>;
  };
  return record.stages[stage]?.summary ?? {};
}

test("a run config's model.runtime that is no runtime is refused, naming the key", () => {
  const runDir = cloneRun(run, 'bad-runtime');
  setConfigRuntime(runDir, 'torch');
  const r = runCli(['score', '--run', runDir]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /config "model\.runtime" is "torch"; use one of tfjs, onnxruntime/);
});

/** One key patch per line of patches/key-patches.jsonl. */
function keyPatches(runDir: string): Array<{ sampleId: number; box: number[]; origin: string; difficulty: number }> {
  return fs
    .readFileSync(path.join(runDir, 'patches/key-patches.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

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

for (const difficulty of ['normalised', 'pvi']) {
  test(
    `propose --runtime onnxruntime gives the TensorFlow.js key patches and difficulties within 1e-4 (${difficulty})`,
    { skip: onnxruntime.skipped ?? false },
    (t) => {
      const scored = cloneRun(run, `scored-${difficulty}`);
      const score = runCli(['score', '--run', scored, '--difficulty', difficulty]);
      assert.equal(score.status, 0, score.stderr);
      // User boxes that cross patch edges, beside our windows.
      fs.writeFileSync(
        path.join(scored, ARTIFACTS.userKeyPatches),
        JSON.stringify({
          version: 1,
          units: 'cache',
          patches: [
            { sampleId: 3, box: [3, 5, 11, 7] },
            { sampleId: 1, box: [0, 0, 32, 32] },
            { sampleId: 3, box: [20, 1, 9, 25] },
          ],
        }),
      );
      const dirs = { tfjs: cloneRun(run, `p-tfjs-${difficulty}`), onnxruntime: cloneRun(run, `p-ort-${difficulty}`) };
      for (const [runtime, runDir] of Object.entries(dirs)) {
        fs.rmSync(runDir, { recursive: true });
        fs.cpSync(scored, runDir, { recursive: true });
        // The config asks for the other runtime: the flag wins.
        setConfigRuntime(runDir, runtime === 'tfjs' ? 'onnxruntime' : 'tfjs');
        const r = runCli(['propose', '--run', runDir, '--runtime', runtime, '--json']);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.json!.runtime, runtime);
        assert.equal(stageSummary(runDir, 'propose').runtime, runtime, 'run.json records the runtime');
      }
      const [reference, onnx] = [keyPatches(dirs.tfjs), keyPatches(dirs.onnxruntime)];
      assert.equal(onnx.length, reference.length);
      assert.ok(reference.filter((p) => p.origin === 'user').length === 3, 'the user boxes are scored too');
      assert.deepEqual(
        onnx.map((p) => [p.sampleId, p.box]),
        reference.map((p) => [p.sampleId, p.box]),
        'the same boxes',
      );
      const values = reference.map((p) => p.difficulty);
      assert.ok(new Set(values.map((v) => v.toFixed(3))).size > values.length / 2, 'the boxes score apart');
      const d = maxAbsDiff(
        Float32Array.from(onnx, (p) => p.difficulty),
        Float32Array.from(values),
      );
      t.diagnostic(`key-patch difficulties differ by at most ${d.toExponential(2)}`);
      assert.ok(d < 1e-4, `key-patch difficulties differ by ${d}`);
      assert.ok(fs.existsSync(path.join(dirs.onnxruntime, ARTIFACTS.onnxDir)), 'the scorer is cached');
    },
  );
}

test(
  "propose takes the run config's model.runtime when no flag names one",
  { skip: onnxruntime.skipped ?? false },
  () => {
    const runDir = cloneRun(run, 'config-runtime');
    const score = runCli(['score', '--run', runDir, '--json']);
    assert.equal(score.status, 0, score.stderr);
    assert.equal(score.json!.runtime, 'tfjs', 'the default');
    setConfigRuntime(runDir, 'onnxruntime');
    const r = runCli(['propose', '--run', runDir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json!.runtime, 'onnxruntime');
    assert.equal(stageSummary(runDir, 'propose').runtime, 'onnxruntime');
  },
);

test(
  "optidel run --runtime onnxruntime scores and proposes on onnxruntime, over the config's model.runtime",
  { skip: onnxruntime.skipped ?? false },
  () => {
    const { root, configFile } = makeTinyDemo();
    try {
      const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      config.model = { ...(config.model as object), runtime: 'tfjs' };
      fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
      const runDir = path.join(root, 'run');
      runTinyPipeline(configFile, runDir, ['--runtime', 'onnxruntime']);
      for (const stage of ['score', 'propose']) assert.equal(stageSummary(runDir, stage).runtime, 'onnxruntime', stage);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
);

/** A pre-trained run scored, proposed and selected (optidel), ready for train. */
function selectedRun(name: string): string {
  const runDir = cloneRun(run, name);
  for (const args of [['score'], ['propose'], ['select', '--method', 'optidel', '--budget', '0.2']]) {
    const r = runCli([...args, '--run', runDir]);
    assert.equal(r.status, 0, r.stderr);
  }
  return runDir;
}

const trainArgs = (runDir: string, rounds: number) =>
  [
    'train',
    '--run',
    runDir,
    '--steps',
    '4',
    '--batch-size',
    '4',
    '--workers',
    '1',
    '--rounds',
    String(rounds),
  ] as const;

test('train needs onnxruntime-node only for rounds: one round trains on tfjs, two fail at once without it', () => {
  const runDir = selectedRun('rounds-no-onnxruntime');
  setConfigRuntime(runDir, 'onnxruntime');
  const env = { ONNXRUNTIME_NODE_DIR: fs.mkdtempSync(path.join(run.root, 'empty-')) };
  const one = runCli([...trainArgs(runDir, 1), '--json'], { env });
  assert.equal(one.status, 0, one.stderr);
  assert.equal(one.json!.runtime, undefined, 'one round re-scores nothing');
  const before = fs.readFileSync(path.join(runDir, ARTIFACTS.run), 'utf8');
  const two = runCli([...trainArgs(runDir, 2), '--fresh'], { env });
  assert.notEqual(two.status, 0);
  assert.match(two.stderr, /train --runtime onnxruntime: onnxruntime-node cannot be found/);
  assert.equal(fs.readFileSync(path.join(runDir, ARTIFACTS.run), 'utf8'), before, 'run.json untouched');
});

test(
  'train --rounds 2 --runtime onnxruntime re-scores the model in training as TensorFlow.js does: same key patches within 1e-4, same selection',
  { skip: onnxruntime.skipped ?? false },
  (t) => {
    const selected = selectedRun('rounds');
    const dirs = { tfjs: cloneRun({ ...run, runDir: selected }, 'rounds-tfjs'), onnxruntime: selected };
    for (const [runtime, runDir] of Object.entries(dirs)) {
      const r = runCli([...trainArgs(runDir, 2), '--runtime', runtime, '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.json!.runtime, runtime);
      assert.equal(stageSummary(runDir, 'train').runtime, runtime, 'run.json records what re-scored');
    }
    const [ort, tfjs] = [keyPatches(dirs.onnxruntime), keyPatches(dirs.tfjs)];
    assert.match(
      JSON.parse(fs.readFileSync(path.join(dirs.onnxruntime, ARTIFACTS.keyPatches), 'utf8')).proposer,
      /re-proposed in a collaborative round/,
    );
    assert.deepEqual(
      ort.map((p) => [p.sampleId, p.box]),
      tfjs.map((p) => [p.sampleId, p.box]),
      'the same windows, re-proposed from the same errors',
    );
    const worst = ort.reduce((w, p, i) => Math.max(w, Math.abs(p.difficulty - tfjs[i]!.difficulty)), 0);
    t.diagnostic(`key-patch difficulty differs by at most ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-4, `difficulties differ by ${worst}`);
    // Not bit for bit: identical difficulties would mean TensorFlow.js re-scored both.
    assert.ok(worst > 0, 'onnxruntime computed the onnxruntime run');
    const selection = (runDir: string) =>
      JSON.parse(fs.readFileSync(path.join(runDir, 'selection/optidel.json'), 'utf8')).selected as number[];
    assert.deepEqual(selection(dirs.onnxruntime), selection(dirs.tfjs));
  },
);
