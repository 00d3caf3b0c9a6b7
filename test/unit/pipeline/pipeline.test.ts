/** The whole pipeline through the built CLI on the tiny demo data with a micro model: stages, artifacts, resume, curation. */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SelectionFile, SynthIndex, ThumbnailAtlasIndex } from '../../../src/shared/artifacts';
import type { RunRecord } from '../../../src/shared/runRecord';
import { readCacheIndexFile } from '../../../src/shared/node/cacheIndexFile';
import { readKeyPatchesFile } from '../../../src/shared/node/keyPatchesFile';
import { toFlatSynth } from '../../fixtures/makeRunFixture';
import { runCli } from '../../helpers/engine';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-pipeline-'));
const data = path.join(root, 'data');
const runDir = path.join(root, 'run');
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(runDir, file), 'utf8')) as T;
after(() => fs.rmSync(root, { recursive: true, force: true }));
const small = ['--preset', 'micro', '--steps', '6', '--batch-size', '8'];
const trainBriefly = (method: string) =>
  runCli(['train', '--run', runDir, '--method', method, '--steps', '2', '--batch-size', '4', '--fresh', '--json']);
/** `optidel run` of the demo config into the run folder. */
const runAll = (method: string, budget: string, timeoutMs: number) =>
  runCli(
    [
      'run',
      '--config',
      path.join(data, 'optidel.json'),
      '--out',
      runDir,
      '--method',
      method,
      '--budget',
      budget,
      ...small,
      '--json',
    ],
    { timeoutMs },
  );

test('optidel run: every stage in order on tiny demo data, then resumed with done stages skipped', async () => {
  const demo = runCli(['demo-data', '--out', data, '--size', 'tiny', '--json']);
  assert.equal(demo.status, 0, demo.stderr);
  const first = runAll('optidel', '0.1', 300_000);
  assert.equal(first.status, 0, first.stderr);
  const summary = first.json!;
  assert.deepEqual(summary.stages, {
    ingest: 'ran',
    pretrain: 'ran',
    score: 'ran',
    propose: 'ran',
    select: 'ran',
    synthesize: 'ran',
    train: 'ran',
  });
  const record = readJson<RunRecord>('run.json');
  for (const stage of ['ingest', 'pretrain', 'score', 'propose', 'select', 'synthesize', 'train'] as const)
    assert.equal(record.stages[stage]?.status, 'done', stage);

  const selection = readJson<SelectionFile>('selection/optidel.json');
  const poolSize = (await readCacheIndexFile(runDir)).samples.length;
  assert.equal(selection.patches?.length, 4 * Math.round(0.1 * poolSize), 'M x B key patches');
  assert.ok(selection.vInformation && Number.isFinite(selection.vInformation.value));
  assert.equal(summary.selected, selection.selected.length);

  const synth = readJson<SynthIndex>('synth/optidel/index.json');
  const mosaics = synth.samples.filter((s) => s.kind === 'mosaic');
  const budget = Math.round(0.1 * poolSize);
  assert.equal(mosaics.length, budget);
  assert.deepEqual(synth.pool, [], 'the compact set is the mosaics alone');
  assert.equal(synth.samples.length, budget, 'the compact set is the budget: hardening adds no image');
  assert.equal(synth.samples.filter((s) => s.hardened).length, Math.round(0.25 * budget));
  assert.equal(synth.madeFrom?.method, 'optidel');
  assert.deepEqual(
    synth.samples.map((s) => s.id),
    synth.samples.map((_, k) => poolSize + k),
    'generated ids continue after the pool',
  );
  for (const m of mosaics)
    assert.deepEqual(
      m.parts.map((p) => p.patchId).every((id) => selection.patches!.includes(id!)),
      true,
    );
  assert.equal(
    fs.statSync(path.join(runDir, 'synth/optidel/samples.f32')).size,
    synth.samples.length * synth.imageSize ** 2 * 4,
  );
  assert.ok(fs.existsSync(path.join(runDir, `synth/optidel/${synth.samples[0].id}.png`)));
  const thumbs = readJson<ThumbnailAtlasIndex>('thumbs/index.json');
  for (const s of synth.samples) assert.ok(thumbs.positions[String(s.id)], `thumbnail of generated sample ${s.id}`);
  assert.ok(thumbs.positions['0'], 'pool thumbnails kept');
  assert.ok(fs.existsSync(path.join(runDir, 'checkpoints/train/latest.json')));
  assert.equal(
    Number(record.stages.train?.summary?.samples) + Number(record.stages.train?.summary?.generated),
    budget,
    'train used the B images of the compact set',
  );

  const again = runAll('optidel', '0.1', 120_000);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(again.json!.stages, {
    ingest: 'ran',
    pretrain: 'skipped',
    score: 'skipped',
    propose: 'skipped',
    select: 'skipped',
    synthesize: 'skipped',
    train: 'skipped',
  });
});

test('optidel select --json reports method, budget, selected count and V-information', () => {
  const r = runCli(['select', '--run', runDir, '--method', 'kcenter', '--budget', '5', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json!.method, 'kcenter');
  assert.equal(r.json!.budget, 5);
  assert.equal(r.json!.selected, 5);
  const v = r.json!.vInformation as { hYEmpty: number; hYGivenX: number; value: number };
  assert.ok(Math.abs(v.value - (v.hYEmpty - v.hYGivenX)) < 1e-9);
  assert.equal(readJson<RunRecord>('run.json').stages.select?.summary?.method, 'kcenter');
});

test('hand curation in the selection file is applied by synthesize and train', () => {
  const file = path.join(runDir, 'selection/optidel.json');
  const selection = JSON.parse(fs.readFileSync(file, 'utf8')) as SelectionFile;
  const excluded = selection.selected[0];
  const included = Array.from({ length: 50 }, (_, i) => i).find((i) => !selection.selected.includes(i))!;
  fs.writeFileSync(file, JSON.stringify({ ...selection, manual: { include: [included], exclude: [excluded] } }));
  const synth = runCli(['synthesize', '--run', runDir, '--method', 'optidel', '--adversarial-fraction', '1', '--json']);
  assert.equal(synth.status, 0, synth.stderr);
  const index = readJson<SynthIndex>('synth/optidel/index.json');
  const parts = index.samples.flatMap((s) => s.parts.map((p) => p.sampleId));
  assert.ok(!parts.includes(excluded), 'an excluded sample contributes nothing');
  assert.ok(
    index.samples.some((s) => s.kind === 'adversarial' && s.parts[0].sampleId === included),
    'an included sample is used',
  );
  const train = trainBriefly('optidel');
  assert.equal(train.status, 0, train.stderr);
  assert.deepEqual(train.json!.samples, index.pool!.length, 'synth/ is this selection as curated: train takes it');
  assert.equal(train.json!.generated, index.samples.length);
  // A hand-edited index cannot choose what trains: pool ids outside the selection make it stale.
  const indexFile = path.join(runDir, 'synth/optidel/index.json');
  const original = fs.readFileSync(indexFile, 'utf8');
  fs.writeFileSync(indexFile, JSON.stringify({ ...index, pool: [99_999, 99_999] }));
  const forged = trainBriefly('optidel');
  fs.writeFileSync(indexFile, original);
  assert.equal(forged.status, 0, forged.stderr);
  assert.match(forged.stderr, /pool members are not samples of this selection; building the optidel compact set now/);
});

test("train on another selection never takes synth/'s samples: it builds that selection's compact set", () => {
  const kcenter = runCli(['select', '--run', runDir, '--method', 'kcenter', '--budget', '5', '--json']);
  assert.equal(kcenter.status, 0, kcenter.stderr);
  const train = trainBriefly('kcenter');
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stderr, /no synth\/kcenter\/index.json; building the kcenter compact set now/);
  assert.equal(train.json!.samples, 5);
  assert.equal(train.json!.generated, 0, "none of optidel's mosaics");
  assert.equal(readJson<SynthIndex>('synth/optidel/index.json').madeFrom?.method, 'optidel', 'synth/ is left as it is');
});

test("synthesizing two methods keeps both, and train takes each method's own samples", () => {
  const optidel = readJson<SynthIndex>('synth/optidel/index.json');
  const synth = runCli(['synthesize', '--run', runDir, '--method', 'kcenter', '--json']);
  assert.equal(synth.status, 0, synth.stderr);
  assert.equal(synth.json!.file, path.join(runDir, 'synth/kcenter/index.json'));
  const kcenter = readJson<SynthIndex>('synth/kcenter/index.json');
  assert.equal(kcenter.madeFrom?.method, 'kcenter');
  assert.deepEqual(readJson<SynthIndex>('synth/optidel/index.json'), optidel, "optidel's samples are kept");
  assert.ok(fs.existsSync(path.join(runDir, `synth/optidel/${optidel.samples[0]!.id}.png`)));
  for (const [method, index] of [
    ['kcenter', kcenter],
    ['optidel', optidel],
  ] as const) {
    const train = trainBriefly(method);
    assert.equal(train.status, 0, train.stderr);
    assert.doesNotMatch(train.stderr, /compact set now/, `${method} trains on synth/${method}/`);
    assert.equal(train.json!.samples, index.pool!.length, method);
    assert.equal(train.json!.generated, index.samples.length, method);
  }
  assert.notDeepEqual(
    [optidel.pool!.length, optidel.samples.length],
    [kcenter.pool!.length, kcenter.samples.length],
    'the two compact sets differ, so each count above is its own',
  );
});

test("a run folder's flat synth/ from before per-method folders still trains, as the method its madeFrom names", () => {
  // The old layout, made from this run's optidel samples: synth/index.json, synth/samples.f32, synth/<id>.png.
  toFlatSynth(runDir, 'optidel');
  const flat = readJson<SynthIndex>('synth/index.json');
  const train = trainBriefly('optidel');
  assert.equal(train.status, 0, train.stderr);
  assert.doesNotMatch(train.stderr, /compact set now/, 'the flat synth/ is the optidel compact set');
  assert.equal(train.json!.generated, flat.samples.length);
  // It is optidel's, never another method's: kcenter still takes its own folder.
  fs.rmSync(path.join(runDir, 'synth/kcenter'), { recursive: true });
  const kcenter = trainBriefly('kcenter');
  assert.equal(kcenter.status, 0, kcenter.stderr);
  assert.match(kcenter.stderr, /no synth\/kcenter\/index.json; building the kcenter compact set now/);
});

test('collaborative rounds: the pool is re-scored with the model in training, reselected and regenerated between rounds', async () => {
  const asked = runCli(['select', '--run', runDir, '--method', 'optidel', '--source-cap-factor', '3', '--json']);
  assert.equal(asked.status, 0, asked.stderr);
  const before = readJson<SelectionFile>('selection/optidel.json');
  assert.deepEqual(before.options, { optidel: { sourceCapFactor: 3 } });
  const patchesBefore = await readKeyPatchesFile(runDir, 'patches/key-patches.json', { warn: assert.fail });
  const r = runCli([
    'train',
    '--run',
    runDir,
    '--method',
    'optidel',
    '--steps',
    '4',
    '--batch-size',
    '4',
    '--rounds',
    '2',
    '--fresh',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json!.rounds, 2);
  assert.equal(r.json!.steps, 4);
  const after = readJson<SelectionFile>('selection/optidel.json');
  assert.notEqual(after.createdAt, before.createdAt, 'the selection was made again');
  assert.deepEqual(after.manual, before.manual, 'hand curation survives reselection');
  assert.deepEqual(after.options, before.options, "the user's selection options survive reselection");
  const patchesAfter = await readKeyPatchesFile(runDir, 'patches/key-patches.json', { warn: assert.fail });
  assert.match(patchesAfter.proposer, /re-proposed in a collaborative round with the model in training/);
  assert.deepEqual(patchesAfter.windows, patchesBefore.windows, 'proposed again the same way');
  assert.equal(patchesAfter.patches.length, patchesBefore.patches.length);
  assert.notDeepEqual(
    patchesAfter.patches.map((p) => p.difficulty),
    patchesBefore.patches.map((p) => p.difficulty),
    'scored by the model in training',
  );
  const lr = fs
    .readFileSync(path.join(runDir, 'metrics/train.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; name: string; value: number })
    .filter((m) => m.name === 'lr');
  const atRoundEnd = lr.find((m) => m.step === 2)!;
  assert.ok(atRoundEnd.value > lr.at(-1)!.value, 'one schedule: the rate at the end of round 1 is above the final one');
  assert.equal(after.patches?.length, before.patches?.length);
});

test('a hierarchical selection: train finds its method, rounds keep its path, optidel run selects again exactly', () => {
  const asked = runCli(['select', '--run', runDir, '--method', 'kcenter', '--hierarchical', '--budget', '5', '--json']);
  assert.equal(asked.status, 0, asked.stderr);
  const before = readJson<SelectionFile>('selection/kcenter.json');
  assert.equal(before.options?.hierarchical?.branching, 32, 'the branching is recorded for a reselection');
  const summary = readJson<RunRecord>('run.json').stages.select?.summary;
  assert.equal(summary?.method, 'kcenter', 'a method name, as train and synthesize read it');
  assert.equal(summary?.hierarchical, before.options?.hierarchical?.levels);
  // No --method: the method of the last selection, taken from run.json's summary.
  const rounds = runCli(['train', '--run', runDir, '--steps', '2', '--batch-size', '4', '--rounds', '2', '--fresh']);
  assert.equal(rounds.status, 0, rounds.stderr);
  const reselected = readJson<SelectionFile>('selection/kcenter.json');
  assert.notEqual(reselected.createdAt, before.createdAt, 'the selection was made again');
  assert.equal(reselected.options?.hierarchical?.branching, 32, 'on the hierarchical path again, as recorded');

  const run = runAll('kcenter', '5', 120_000);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /selection\/kcenter.json was made on the hierarchical path .*so it selects again/);
  const stages = run.json!.stages as Record<string, string>;
  assert.deepEqual(
    [stages.select, stages.synthesize, stages.train],
    ['ran', 'ran', 'ran'],
    'what follows a new selection is made from it',
  );
  assert.equal(readJson<SelectionFile>('selection/kcenter.json').options?.hierarchical, undefined, 'exact now');
});
