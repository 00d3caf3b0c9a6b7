/**
 * Attacks by a shared config or run folder, each written as the attack: the user's files beside the
 * run must survive, and the error must name the file or key and the fix. Each of these deleted,
 * overwrote or read a file outside the run folder before the containment rule (src/shared/run).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withDifficulty } from '../../../src/engine/bench/difficultyVariants';
import { preparePredictions } from '../../../src/engine/bench/predictions';
import { openCache } from '../../../src/engine/data/cache';
import { MaeModel, maeConfig, parameterCount } from '../../../src/engine/model/mae';
import { readKeyPatchesFile, writeKeyPatchesFile } from '../../../src/shared/node/keyPatchesFile';
import type { KeyPatch } from '../../../src/shared/artifacts';
import { readSelectionInput } from '../../../src/engine/pipeline/runArtifacts';
import { RunPathError } from '../../../src/shared/run/node/contain';
import { runCli } from '../../helpers/engine';
import { cloneRun, makeTinyDemo } from '../../helpers/tinyRun';
import { recordingContext } from '../data/context';
import { squaresData } from '../downstream/fixtures';

const SMALL = ['--preset', 'micro', '--steps', '10', '--batch-size', '8'];
let root: string;
let configFile: string;
/** A run folder every stage has been through, cloned by each attack. */
let done: { root: string; configFile: string; runDir: string };

before(() => {
  ({ root, configFile } = makeTinyDemo());
  const runDir = path.join(root, 'done');
  const run = runCli(['run', '--config', configFile, '--out', runDir, '--method', 'optidel', ...SMALL, '--json']);
  assert.equal(run.status, 0, run.stderr);
  done = { root, configFile, runDir };
});

/** Every file under `dir` with a hash of its bytes: equal snapshots mean nothing was added, changed or removed. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    files[path.relative(dir, file)] = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return files;
}

/** A folder of the user's own files (scans, notes) to check afterwards. */
function userFolder(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

test('a config whose data set is named "../../../../x" deletes nothing; the error names downstream[0].name', () => {
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.downstream[0].name = '../../../../x';
  const attack = path.join(path.dirname(configFile), 'shared-optidel.json');
  fs.writeFileSync(attack, JSON.stringify(config));
  // bench/predictions/../../../../x from a/b/run is a/x: the user's folder beside the run.
  const sentinel = userFolder('a/x', { 'thesis.tex': 'chapter 1', 'scans/1.png': 'png' });
  const before = snapshot(sentinel);
  const bench = runCli([
    'bench',
    '--config',
    attack,
    '--out',
    path.join(root, 'a', 'b', 'run'),
    '--methods',
    'scratch',
    '--seeds',
    '1',
    ...SMALL,
    '--finetune-steps',
    '2',
    '--json',
  ]);
  assert.deepEqual(snapshot(sentinel), before);
  assert.notEqual(bench.status, 0);
  assert.match(bench.stderr, /shared-optidel\.json: invalid config/);
  assert.match(
    bench.stderr,
    /downstream\[0\]\.name: "\.\.\/\.\.\/\.\.\/\.\.\/x" is not allowed;.*use 1 to 64 letters, digits/,
  );
});

test('a predictions folder OptiDEL did not write is never removed', async () => {
  const benchDir = path.join(root, 'bench-foreign');
  const data = { ...squaresData(16, [8, 4, 4], 1), name: 'squares' };
  const foreign = userFolder('bench-foreign/predictions/squares', { 'notes.txt': 'mine', 'images/0.png': 'my scan' });
  const before = snapshot(foreign);
  await assert.rejects(
    preparePredictions(benchDir, data),
    (err: Error) =>
      err instanceof RunPathError &&
      /holds files OptiDEL did not write/.test(err.message) &&
      err.message.includes(foreign),
  );
  assert.deepEqual(snapshot(foreign), before);
  // Our own folder of stale predictions (another image size) is started over as before.
  fs.rmSync(foreign, { recursive: true });
  await preparePredictions(benchDir, data);
  await preparePredictions(benchDir, { ...squaresData(8, [8, 4, 4], 1), name: 'squares' });
  assert.equal(JSON.parse(fs.readFileSync(path.join(foreign, 'index.json'), 'utf8')).imageSize, 8);
});

test("a symlinked synth/ pointing at the user's PNGs: synthesize refuses and every PNG survives", () => {
  const runDir = cloneRun(done, 'synth-link');
  const scans = userFolder('scans', {
    '1.png': 'patient one',
    '58.png': 'patient 58',
    'index.json': '{"mine": true}',
    'notes.png': 'n',
  });
  const before = snapshot(scans);
  fs.rmSync(path.join(runDir, 'synth'), { recursive: true });
  fs.symlinkSync(scans, path.join(runDir, 'synth'));
  const synth = runCli(['synthesize', '--run', runDir, '--json']);
  assert.deepEqual(snapshot(scans), before);
  assert.notEqual(synth.status, 0);
  assert.ok(synth.stderr.includes(`${runDir}: synth is a symbolic link, which could lead outside`), synth.stderr);
});

test('run.json naming the last selection "../../elsewhere": synthesize and train refuse it as a method', () => {
  const runDir = cloneRun(done, 'synth-method');
  const recordFile = path.join(runDir, 'run.json');
  const record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
  record.stages.select.summary.method = '../../elsewhere';
  fs.writeFileSync(recordFile, JSON.stringify(record));
  for (const stage of ['synthesize', 'train']) {
    const r = runCli([stage, '--run', runDir, '--json']);
    assert.notEqual(r.status, 0, stage);
    assert.match(
      r.stderr,
      /"\.\.\/\.\.\/elsewhere" is not a selection method \(optidel, random, .*\), so it has no synth\/ folder/,
    );
  }
  assert.ok(!fs.existsSync(path.join(runDir, '..', 'elsewhere')), 'no folder made outside the run');
});

test('thumbs/index.json naming "synth-/../../../victim.png" deletes nothing outside thumbs/', () => {
  const runDir = cloneRun(done, 'thumbs-escape');
  const victim = path.join(root, 'victim.png');
  fs.writeFileSync(victim, "the user's figure");
  const indexFile = path.join(runDir, 'thumbs', 'index.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  index.atlases.push('synth-/../../../victim.png');
  fs.writeFileSync(indexFile, JSON.stringify(index));
  const synth = runCli(['synthesize', '--run', runDir, '--json']);
  assert.ok(fs.existsSync(victim), 'the file outside thumbs/ survives');
  assert.notEqual(synth.status, 0);
  assert.match(
    synth.stderr,
    /thumbs\/index\.json: atlases\[\d\] "synth-\/\.\.\/\.\.\/\.\.\/victim\.png" is not a plain file name in thumbs\/.*ingest again to rebuild the thumbnails/,
  );
  assert.equal(fs.readFileSync(victim, 'utf8'), "the user's figure");
});

for (const command of ['run', 'ingest', 'bench']) {
  test(`optidel ${command} --out . in a project folder leaves the user's cache/, thumbs/ and config.json byte-identical`, () => {
    const project = userFolder(`project-${command}`, {
      'cache/index.json': '{"mine": 1}',
      'cache/data.bin': 'bytes',
      'thumbs/figure.png': 'fig',
      'config.json': '{"lab": "settings"}',
      'thesis.tex': 'text',
    });
    const before = snapshot(project);
    const extra =
      command === 'run'
        ? ['--method', 'random', ...SMALL]
        : command === 'bench'
          ? ['--methods', 'scratch', '--seeds', '1', ...SMALL]
          : [];
    const result = runCli([command, '--config', configFile, '--out', '.', ...extra], { cwd: project });
    assert.deepEqual(snapshot(project), before);
    assert.notEqual(result.status, 0);
    assert.ok(result.stderr.includes(`${project} is not empty`), result.stderr);
    assert.match(
      result.stderr,
      /is not an OptiDEL run folder \(it has no run\.json\); pick a new or empty folder for --out/,
    );
  });
}

test('latest.json pointing to "../../../elsewhere" is refused; no model outside the run is loaded', () => {
  const runDir = cloneRun(done, 'pointer-escape');
  const pretrain = path.join(runDir, 'checkpoints', 'pretrain');
  const latest = JSON.parse(fs.readFileSync(path.join(pretrain, 'latest.json'), 'utf8'));
  // A loadable model outside the run: without the rule, score would silently use it.
  fs.cpSync(path.join(pretrain, latest.dir), path.join(root, 'elsewhere'), { recursive: true });
  fs.writeFileSync(path.join(pretrain, 'latest.json'), JSON.stringify({ dir: '../../../elsewhere', step: 10 }));
  const score = runCli(['score', '--run', runDir, '--json']);
  assert.notEqual(score.status, 0);
  assert.ok(
    score.stderr.includes(
      `${path.join(pretrain, 'latest.json')}: "dir" "../../../elsewhere" is not a checkpoint folder name (step-<number>); delete`,
    ),
    score.stderr,
  );
});

test('a cache index naming shard "../../etc/passwd" or a file beside the run is refused before reading', async () => {
  const runDir = cloneRun(done, 'shard-escape');
  const indexFile = path.join(runDir, 'cache', 'index.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  // A file of exactly the shard's size beside the run: without the rule it would be read as pixels.
  const stolen = path.join(root, 'stolen.bin');
  fs.copyFileSync(path.join(runDir, index.shards[0].file), stolen);
  for (const file of ['../../etc/passwd', '../stolen.bin', stolen]) {
    fs.writeFileSync(
      indexFile,
      JSON.stringify({ ...index, shards: [{ ...index.shards[0], file }, ...index.shards.slice(1)] }),
    );
    await assert.rejects(
      openCache(runDir),
      (err: Error) =>
        err instanceof RunPathError &&
        err.message.startsWith(`${indexFile} shards[0]: ${JSON.stringify(file)}`) &&
        err.message.endsWith('delete the cache folder and ingest again'),
      file,
    );
  }
});

test('a model.json whose shape needs terabytes is refused before anything is allocated', async () => {
  const runDir = cloneRun(done, 'huge-model');
  const pretrain = path.join(runDir, 'checkpoints', 'pretrain');
  const stepDir = path.join(pretrain, JSON.parse(fs.readFileSync(path.join(pretrain, 'latest.json'), 'utf8')).dir);
  const modelFile = path.join(stepDir, 'model.json');
  const model = JSON.parse(fs.readFileSync(modelFile, 'utf8'));
  fs.writeFileSync(modelFile, JSON.stringify({ ...model, config: { ...model.config, dim: 1 << 20, heads: 1 } }));
  await assert.rejects(
    MaeModel.load(stepDir),
    (err: Error) =>
      err.message.startsWith(`${modelFile}: a model of this shape takes`) &&
      /GiB, more than 2\.0 GiB/.test(err.message),
  );
  // The shape is fine but weights.bin is not as large as it says.
  fs.writeFileSync(modelFile, JSON.stringify(model));
  fs.truncateSync(path.join(stepDir, 'weights.bin'), 100);
  await assert.rejects(MaeModel.load(stepDir), /weights\.bin has 100 bytes, the shape needs \d+/);
  fs.writeFileSync(modelFile, JSON.stringify({ ...model, config: { ...model.config, depth: 1.5 } }));
  await assert.rejects(MaeModel.load(stepDir), /config\.depth must be a positive whole number/);
});

test('the size check counts exactly the values the model holds', () => {
  for (const preset of ['micro', 'tiny'] as const) {
    const config = maeConfig(preset);
    const model = MaeModel.create(config, 0);
    assert.equal(
      parameterCount(config),
      model.variables.reduce((sum, v) => sum + v.size, 0),
      preset,
    );
    model.dispose();
  }
});

test('a config nested 100,000 arrays deep fails naming the file, not "Maximum call stack size exceeded"', () => {
  const deep = path.join(root, 'deep-optidel.json');
  fs.writeFileSync(deep, `{"pool": ["data"], "model": {"preset": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`);
  const ingest = runCli(['ingest', '--config', deep, '--out', path.join(root, 'deep-run')]);
  assert.notEqual(ingest.status, 0);
  assert.ok(ingest.stderr.includes(`${deep}: model.preset[0]`), ingest.stderr);
  assert.match(ingest.stderr, /nested more than 64 levels deep; no config needs that, remove the nesting/);
  assert.doesNotMatch(ingest.stderr, /call stack/);
});

/** Replaces `entry` of a clone of the finished run with a link to `target`; returns the clone. */
function runWithLink(name: string, entry: string, target: string): string {
  const runDir = cloneRun(done, name);
  fs.rmSync(path.join(runDir, entry), { recursive: true, force: true });
  fs.mkdirSync(path.dirname(path.join(runDir, entry)), { recursive: true });
  fs.symlinkSync(target, path.join(runDir, entry));
  return runDir;
}

const LINK_REFUSED = /is a symbolic link, which could lead outside the run folder, so this run folder is not used/;

test("a shared run whose selection/ links to the user's folder: select writes nothing there", () => {
  const mine = userFolder('linked-selection', { 'random.json': '{"mine": true}', 'notes.txt': 'n' });
  const before = snapshot(mine);
  const runDir = runWithLink('selection-link', 'selection', mine);
  const select = runCli(['select', '--run', runDir, '--method', 'random', '--json']);
  assert.deepEqual(snapshot(mine), before);
  assert.notEqual(select.status, 0);
  assert.ok(select.stderr.includes(`${runDir}: selection`), select.stderr);
  assert.match(select.stderr, LINK_REFUSED);
});

test("metrics/pretrain.jsonl linked to the user's .bashrc: pretrain appends nothing to it", () => {
  const home = userFolder('home-metrics', { '.bashrc': 'export PATH=$HOME/bin:$PATH\n' });
  const runDir = runWithLink('metrics-link', 'metrics/pretrain.jsonl', path.join(home, '.bashrc'));
  const pretrain = runCli(['pretrain', '--run', runDir, ...SMALL, '--json']);
  assert.equal(fs.readFileSync(path.join(home, '.bashrc'), 'utf8'), 'export PATH=$HOME/bin:$PATH\n');
  assert.notEqual(pretrain.status, 0);
  assert.ok(pretrain.stderr.includes(`${runDir}: metrics/pretrain.jsonl`), pretrain.stderr);
});

test("scores/projection.f32 linked to a file of the user's: export refuses, so none of it reaches the notebook", () => {
  const projection = fs.readFileSync(path.join(done.runDir, 'scores', 'projection.f32'));
  // The user's file, exactly the size the export expects.
  const mine = userFolder('private-projection', { 'measurements.bin': '' });
  fs.writeFileSync(path.join(mine, 'measurements.bin'), Buffer.alloc(projection.length, 7));
  const runDir = runWithLink('projection-link', 'scores/projection.f32', path.join(mine, 'measurements.bin'));
  const out = path.join(root, 'projection-link.ipynb');
  const exported = runCli(['export', '--run', runDir, '--out', out, '--json']);
  assert.notEqual(exported.status, 0);
  assert.ok(!fs.existsSync(out), 'no notebook is written');
  assert.ok(exported.stderr.includes(`${runDir}: scores/projection.f32`), exported.stderr);
  assert.match(exported.stderr, LINK_REFUSED);
});

test('a cache index claiming an image size no config allows is refused before a pixel buffer is sized by it', async () => {
  const runDir = cloneRun(done, 'huge-image');
  const indexFile = path.join(runDir, 'cache', 'index.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  // Empty shards pass the size check whatever imageSize says; reading one sample would then size
  // a buffer of imageSize² floats (40 GB for 100,000), or of fractional pixels for 16.5.
  for (const imageSize of [100_000, 16.5, -8]) {
    fs.writeFileSync(
      indexFile,
      JSON.stringify({ ...index, imageSize, shards: [{ file: index.shards[0].file, count: 0 }] }),
    );
    fs.truncateSync(path.join(runDir, index.shards[0].file), 0);
    await assert.rejects(
      openCache(runDir),
      (err: Error) =>
        err.message.startsWith(
          `${indexFile}: "imageSize" ${imageSize} is not a whole number of pixels from 8 to 1024`,
        ) && err.message.endsWith('delete the cache folder and ingest again'),
      String(imageSize),
    );
  }
});

test('a sparse 3 GiB scores file is refused by its size with the fix, by select, export and propose, before it is read', () => {
  const runDir = cloneRun(done, 'sparse-scores');
  // A few bytes in a shared tar (--sparse); read whole, it fills the memory (or fails past 2 GiB with a bare "File size" error).
  fs.truncateSync(path.join(runDir, 'scores', 'difficulty.f32'), 3 * 1024 ** 3);
  const select = runCli(['select', '--run', runDir, '--method', 'random', '--json']);
  assert.notEqual(select.status, 0);
  assert.ok(
    select.stderr.includes(
      `${path.join(runDir, 'scores', 'difficulty.f32')}: holds 805306368 float32 values, expected`,
    ),
    select.stderr,
  );
  assert.match(select.stderr, /run "optidel score --run .*" again/);
  const exported = runCli(['export', '--run', runDir, '--out', path.join(root, 'sparse.ipynb'), '--json']);
  assert.notEqual(exported.status, 0);
  assert.match(
    exported.stderr,
    /difficulty\.f32: holds 805306368 float32 values, expected \d+; .*Re-run "optidel score/,
  );
  fs.truncateSync(path.join(runDir, 'scores', 'patch-errors.f32'), 3 * 1024 ** 3);
  const proposed = runCli(['propose', '--run', runDir, '--json']);
  assert.notEqual(proposed.status, 0);
  assert.match(proposed.stderr, /patch-errors\.f32: holds 805306368 float32 values, expected \d+; run "optidel score/);
});

test('a selection file holding ids outside the pool is refused naming the file, the ids and the fix', () => {
  const runDir = cloneRun(done, 'selection-ids');
  const file = path.join(runDir, 'selection', 'optidel.json');
  const selection = JSON.parse(fs.readFileSync(file, 'utf8'));
  const pool = JSON.parse(fs.readFileSync(path.join(runDir, 'cache', 'index.json'), 'utf8')).sampleCount;
  for (const [key, change] of [
    ['manual.include', { manual: { include: [99_999], exclude: [] } }],
    ['selected', { selected: [...selection.selected, -1] }],
    ['manual.exclude', { manual: { include: [], exclude: ['0'] } }],
  ] as const) {
    fs.writeFileSync(file, JSON.stringify({ ...selection, ...change }));
    const synth = runCli(['synthesize', '--run', runDir, '--method', 'optidel', '--json']);
    assert.notEqual(synth.status, 0, key);
    assert.ok(
      synth.stderr.includes(`${file}: "${key}" holds `) &&
        synth.stderr.includes(`not a pool sample id (0 to ${pool - 1})`),
      synth.stderr,
    );
    assert.match(synth.stderr, /run "optidel select" again/);
  }
});

test('a run.json nested 100,000 arrays deep fails naming the file, not "Maximum call stack size exceeded"', () => {
  const runDir = cloneRun(done, 'deep-record');
  const file = path.join(runDir, 'run.json');
  const text = fs.readFileSync(file, 'utf8').replace(/^\{/, `{"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)},`);
  fs.writeFileSync(file, text);
  // 200 kB: parsed fine, then every update of run.json (JSON.stringify) overflowed the stack.
  const select = runCli(['select', '--run', runDir, '--method', 'random', '--json']);
  assert.notEqual(select.status, 0);
  assert.ok(select.stderr.includes(`${file}: deep[0]`), select.stderr);
  assert.match(select.stderr, /nested more than 64 levels deep/);
  assert.doesNotMatch(select.stderr, /call stack/);
});

test("thumbs/index.json naming an atlas beside the run: export puts none of the user's image in the notebook", () => {
  const runDir = cloneRun(done, 'atlas-escape');
  const indexFile = path.join(runDir, 'thumbs', 'index.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  // The user's photo, any image sharp decodes: here a copy of an atlas, so its tiles would be cut.
  const photos = userFolder('photos', {});
  fs.mkdirSync(photos, { recursive: true });
  fs.copyFileSync(path.join(runDir, 'thumbs', index.atlases[0]), path.join(photos, 'holiday.png'));
  const escape = `../../photos/holiday.png`;
  fs.writeFileSync(indexFile, JSON.stringify({ ...index, atlases: index.atlases.map(() => escape) }));
  const out = path.join(root, 'atlas-escape.ipynb');
  const exported = runCli(['export', '--run', runDir, '--out', out, '--json']);
  assert.equal(exported.status, 0, exported.stderr);
  const notebook = fs.readFileSync(out, 'utf8');
  assert.doesNotMatch(notebook, /data:image\/png;base64/, 'no thumbnail cut from the photo');
  assert.equal(exported.json?.thumbnails, 0);
  assert.ok(
    exported.stderr.includes(`atlases[0] ${JSON.stringify(escape)} is not a plain file name in thumbs/`),
    exported.stderr,
  );
});

test('a key-patch line naming a sample outside the pool or a box outside the image is skipped naming its line; a file of none is refused', async () => {
  const runDir = cloneRun(done, 'key-patch-ids');
  const lines = path.join(runDir, 'patches', 'key-patches.jsonl');
  const patches = await readKeyPatchesFile(runDir, 'patches/key-patches.json', { warn: assert.fail });
  const index = JSON.parse(fs.readFileSync(path.join(runDir, 'cache', 'index.json'), 'utf8'));
  for (const [change, problem] of [
    [{ sampleId: 99_999 }, `"sampleId" holds 99999, not a pool sample id (0 to ${index.sampleCount - 1})`],
    [
      { box: [0, 0, 1e9, 1e9] },
      `"box" is [0,0,1000000000,1000000000], not a box inside the ${index.imageSize} px image`,
    ],
    [{ box: [0, 0, 'x', 4] }, `"box" is [0,0,"x",4], not a box inside the ${index.imageSize} px image`],
  ] as const) {
    const [first, ...rest] = patches.patches;
    await writeKeyPatchesFile(runDir, 'patches/key-patches.json', {
      ...patches,
      patches: [{ ...first!, ...change } as KeyPatch, ...rest],
    });
    const select = runCli(['select', '--run', runDir, '--method', 'optidel', '--json']);
    assert.equal(select.status, 0, select.stderr);
    assert.ok(select.stderr.includes(`${lines}: line 1: ${problem} (skipped)`), select.stderr);
    assert.ok(select.stderr.includes(`${lines}: 1 of ${patches.patches.length} key patches skipped`), select.stderr);
  }
  // The old code selected 0 samples from such a file and reported success; train then failed with "nothing to train on".
  await writeKeyPatchesFile(runDir, 'patches/key-patches.json', {
    ...patches,
    patches: patches.patches.map((p) => ({ ...p, sampleId: 99_999 })),
  });
  const select = runCli(['select', '--run', runDir, '--method', 'optidel', '--json']);
  assert.notEqual(select.status, 0);
  assert.ok(
    select.stderr.includes(`${lines}: none of its ${patches.patches.length} key patches is usable`),
    select.stderr,
  );
  assert.match(select.stderr, /run "optidel propose --run .*" again/);
});

test("a synth index whose sample id climbs out: export --images writes nothing outside images/, the user's PNG survives", () => {
  const runDir = cloneRun(done, 'synth-id-escape');
  const victim = userFolder('synth-id-victim', { 'holiday.png': 'the user’s photo' });
  const indexFile = path.join(runDir, 'synth', 'optidel', 'index.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  const out = path.join(root, 'synth-id-out');
  // images/mosaic-../../../../synth-id-victim/holiday.png: the old code overwrote the photo with a mosaic.
  index.samples[0].id = `../../../../${path.basename(victim)}/holiday`;
  fs.writeFileSync(indexFile, JSON.stringify(index));
  const before = snapshot(victim);
  const exported = runCli(['export', '--run', runDir, '--what', 'subset', '--images', 'png', '--out', out, '--json']);
  assert.equal(exported.status, 0, exported.stderr);
  assert.deepEqual(snapshot(victim), before);
  assert.deepEqual(
    fs.readdirSync(out).sort(),
    ['datalist.json', 'images', 'subset.csv', 'subset.txt'],
    'nothing written beside images/',
  );
  // The forged index is not this selection's compact set: it is built again, never trusted.
  assert.match(exported.stderr, /synth\/optidel\/index\.json's generated samples are not numbered after the pool/);
});

test('a forged bench/difficulty/<score>/ record naming samples outside the pool is refused naming the file and the fix', async () => {
  const runDir = cloneRun(done, 'bench-variant-ids');
  const cache = await openCache(runDir);
  try {
    const dir = path.join(runDir, 'bench', 'difficulty', 'intensity');
    fs.mkdirSync(dir, { recursive: true });
    // A record that matches the foundation model, so the variant's files are taken as they are.
    const foundation = 'the foundation signature';
    fs.writeFileSync(
      path.join(dir, 'variant.json'),
      JSON.stringify({ difficulty: 'intensity', foundation, count: cache.size }),
    );
    fs.writeFileSync(path.join(dir, 'difficulty.f32'), Buffer.alloc(cache.size * 4));
    const file = path.join(dir, 'key-patches.json');
    const box = [0, 0, 4, 4];
    const pool = { run: runDir, cache, foundationDir: path.join(runDir, 'model'), foundationSignature: foundation };
    const base = await readSelectionInput(runDir, assert.fail);
    for (const sampleId of [99_999, -1, 1.5, '0', '../../x']) {
      fs.writeFileSync(file, JSON.stringify({ version: 1, patches: [{ id: 0, sampleId, box, difficulty: 1 }] }));
      // The old code handed these to selection: out-of-pool patches silently dropped, string ids kept as ids.
      await assert.rejects(withDifficulty(base, 'intensity', pool, recordingContext()), (err: Error) => {
        assert.ok(
          err.message.includes(
            `${file}: none of its 1 key patches is usable ("patches[0].sampleId" holds ${JSON.stringify(sampleId)}, not a pool sample id`,
          ),
          err.message,
        );
        assert.ok(err.message.includes(`delete ${dir} and run the benchmark again`), err.message);
        return true;
      });
    }
  } finally {
    await cache.close();
  }
});

test("a shared run whose bench/ links to the user's folder: optidel bench --out it writes nothing there", () => {
  const runDir = cloneRun(done, 'bench-link');
  const sentinel = userFolder('bench-link-victim', { 'notes.txt': 'the user’s notes' });
  fs.symlinkSync(sentinel, path.join(runDir, 'bench'));
  const before = snapshot(sentinel);
  // The pool is ingested already, so ingest is reused and no stage checked the folder: the old code
  // wrote the variant's scores, the encoders and the report through the link.
  const bench = runCli([
    'bench',
    '--config',
    configFile,
    '--out',
    runDir,
    '--methods',
    'optidel-intensity',
    '--seeds',
    '1',
    ...SMALL,
    '--finetune-steps',
    '2',
    '--json',
  ]);
  assert.deepEqual(snapshot(sentinel), before);
  assert.notEqual(bench.status, 0);
  assert.match(bench.stderr, /bench is a symbolic link, which could lead outside the run folder/);
});

test('optidel ingest --out a shared run whose run.json links to /dev/zero is refused naming the link, nothing read', () => {
  const runDir = cloneRun(done, 'run-json-zero');
  fs.rmSync(path.join(runDir, 'run.json'));
  fs.symlinkSync('/dev/zero', path.join(runDir, 'run.json'));
  // The old code read the link's target whole to see whether the folder was a run: 512 MiB of zeros.
  const ingest = runCli(['ingest', '--config', configFile, '--out', runDir, '--json']);
  assert.notEqual(ingest.status, 0);
  assert.match(ingest.stderr, /run\.json is a symbolic link, which could lead outside the run folder/);
});
