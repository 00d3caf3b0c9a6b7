/**
 * `optidel export --what subset` read back by independent readers: a real pipeline run on the tiny
 * demo data (one source folder renamed to hold a comma, quotes and a line break), hand curation
 * written into the selection file as the gallery writes it, and the CSV parsed by Python's `csv`
 * module. The exported rows must be the selection with the curation applied, in selection order.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { CacheIndex, SelectionFile, SynthIndex } from '../../../src/shared/artifacts';
import { openCache } from '../../../src/engine/data/cache';
import { toBytes } from '../../../src/engine/data/formats/png';
import { loadSharp } from '../../../src/engine/data/formats/raster';
import { readCacheIndexFile } from '../../../src/shared/node/cacheIndexFile';
import { readKeyPatchesFile } from '../../../src/shared/node/keyPatchesFile';
import { runCli } from '../../helpers/engine';
import { makeTinyDemo, runTinyPipeline } from '../../helpers/tinyRun';
import { editCacheSamples } from '../../helpers/cacheSamples';

const ODD_FOLDER = 'odd, "quoted"\nname';
let root: string;
let runDir: string;
let outDir: string;
let selection: SelectionFile;
let cache: CacheIndex;
let expected: number[];
let skipped: Array<{ path: string; reason: string }>;

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

before(async () => {
  const demo = makeTinyDemo();
  root = demo.root;
  const pool = path.join(path.dirname(demo.configFile), 'pool', 'xray');
  const folder = fs.readdirSync(pool).find((f) => fs.statSync(path.join(pool, f)).isDirectory())!;
  fs.renameSync(path.join(pool, folder), path.join(pool, ODD_FOLDER));
  runDir = path.join(root, 'run');
  runTinyPipeline(demo.configFile, runDir);
  cache = await readCacheIndexFile(runDir);
  const file = path.join(runDir, 'selection/optidel.json');
  selection = readJson<SelectionFile>(file);
  // Curation as the gallery saves it: two selected samples dropped, two others (one from the odd folder) added.
  // The selection may already hold every sample of the odd folder (its frames form one acquisition
  // with a quota); then an odd-folder sample stays in the subset through the selection itself.
  const unselected = cache.samples.filter((s) => !selection.selected.includes(s.id));
  const other = unselected.find((s) => !s.source.includes(ODD_FOLDER))!;
  const odd = unselected.find((s) => s.source.includes(ODD_FOLDER)) ?? unselected.find((s) => s !== other)!;
  assert.ok(
    cache.samples.some((s) => s.source.includes(ODD_FOLDER) && [...selection.selected.slice(2), odd.id].includes(s.id)),
    'the subset holds a sample of the odd folder',
  );
  const exclude = selection.selected.slice(0, 2);
  const include = [odd.id, other.id];
  fs.writeFileSync(file, JSON.stringify({ ...selection, manual: { include, exclude } }));
  // synth/ is made again from the curated selection, so it is the compact set training reads.
  const synthesized = runCli(['synthesize', '--run', runDir, '--method', 'optidel', '--json']);
  assert.equal(synthesized.status, 0, synthesized.stderr);
  expected = [...selection.selected.slice(2), ...include];
  outDir = path.join(root, 'subset');
  const exported = runCli(['export', '--what', 'subset', '--run', runDir, '--out', outDir, '--json']);
  assert.equal(exported.status, 0, exported.stderr);
  skipped = exported.json!.skipped as typeof skipped;
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

/** subset.csv as Python's csv module reads it: the header and one dict per row. */
function csvByPython(file: string): Array<Record<string, string>> {
  const script = [
    'import csv, json, sys',
    'with open(sys.argv[1], newline="", encoding="utf-8") as f:',
    '    print(json.dumps(list(csv.DictReader(f))))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Array<Record<string, string>>;
}

test("subset.csv read back by Python's csv module is the curated selection, with each sample's provenance", async () => {
  const rows = csvByPython(path.join(outDir, 'subset.csv'));
  assert.deepEqual(
    rows.map((r) => Number(r.sample_id)),
    expected,
  );
  assert.ok(
    rows.some((r) => r.source.includes(ODD_FOLDER)),
    'the path with a comma, quotes and a line break survives',
  );
  const { patches } = await readKeyPatchesFile(runDir, 'patches/key-patches.json', { warn: assert.fail });
  const difficulty = new Float32Array(
    new Uint8Array(fs.readFileSync(path.join(runDir, 'scores/difficulty.f32'))).buffer,
  );
  for (const row of rows) {
    const id = Number(row.sample_id);
    const sample = cache.samples[id]!;
    assert.equal(row.source, sample.source);
    assert.equal(row.axis, sample.axis === undefined ? '' : String(sample.axis));
    assert.equal(row.slice, sample.slice === undefined ? '' : String(sample.slice));
    assert.equal(row.method, 'optidel');
    assert.equal(Number(row.difficulty), difficulty[id]);
    const rank = selection.selected.indexOf(id) + 1;
    assert.equal(row.rank, rank ? String(rank) : '');
    assert.match(row.reason, rank ? /^selected by optidel, rank \d+ of \d+/ : /added by hand/);
    const boxes = JSON.parse(row.key_patches) as Array<{ id: number; box: number[]; selected: boolean }>;
    assert.deepEqual(
      boxes.map((b) => b.box),
      patches.filter((p) => p.sampleId === id).map((p) => p.box),
    );
    for (const b of boxes)
      assert.equal(b.selected, selection.patches!.includes(b.id) && !selection.selected.slice(0, 2).includes(id));
  }
});

test('datalist.json lists the samples with paths that exist; subset.txt their files, reporting one it cannot', () => {
  const datalist = readJson<{ training: Array<{ image: string; sample_id: number }>; numTraining: number }>(
    path.join(outDir, 'datalist.json'),
  );
  assert.deepEqual(
    datalist.training.map((e) => e.sample_id),
    expected,
  );
  assert.equal(datalist.numTraining, expected.length);
  for (const entry of datalist.training) assert.ok(fs.existsSync(entry.image), entry.image);
  const lines = fs.readFileSync(path.join(outDir, 'subset.txt'), 'utf8').split('\n').filter(Boolean);
  const sources = [...new Set(expected.map((id) => cache.samples[id]!.source))];
  assert.deepEqual(
    lines,
    sources.filter((s) => !s.includes('\n')),
  );
  const unlisted = sources.filter((s) => s.includes('\n'));
  assert.ok(unlisted.length > 0);
  assert.deepEqual(
    skipped.map((s) => s.path),
    unlisted,
  );
  for (const s of skipped) assert.match(s.reason, /line break.*in subset\.csv and datalist\.json/);
  for (const line of lines) assert.ok(fs.existsSync(line), line);
});

test('export --what subset says what to run when the run has no selection, and leaves the folder alone', () => {
  const bare = path.join(root, 'bare');
  fs.mkdirSync(bare);
  const out = path.join(root, 'nothing');
  const r = runCli(['export', '--what', 'subset', '--run', bare, '--out', out, '--json']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /optidel select --run .* --method NAME/);
  assert.equal(fs.existsSync(out), false);
  const notebookFlag = runCli([
    'export',
    '--what',
    'subset',
    '--run',
    runDir,
    '--out',
    out,
    '--format',
    'json',
    '--json',
  ]);
  assert.notEqual(notebookFlag.status, 0);
  assert.match(notebookFlag.stderr, /--format applies to --what notebook only/);
  const strip = runCli(['export', '--what', 'scores', '--run', runDir, '--out', out, '--strip-paths', '--json']);
  assert.match(strip.stderr, /--strip-paths applies to --what notebook only/);
  assert.equal(fs.existsSync(out), false);
});

/** Runs `export --what subset --images ...` into a new folder under the test's root and returns its images/. */
function exportImages(name: string, ...flags: string[]): string {
  const out = path.join(root, name);
  const r = runCli(['export', '--what', 'subset', '--run', runDir, '--out', out, ...flags, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return path.join(out, 'images');
}

test('--images png and nifti hold each curated sample and generated sample exactly as training reads it', async () => {
  const cacheReader = await openCache(runDir);
  const size = cacheReader.imageSize;
  const area = size * size;
  const pixels = await cacheReader.read(expected);
  await cacheReader.close();
  const synth = readJson<SynthIndex>(path.join(runDir, 'synth/optidel/index.json'));
  assert.ok(synth.samples.length > 0, 'the run generated samples');
  const generated = new Float32Array(
    new Uint8Array(fs.readFileSync(path.join(runDir, 'synth/optidel/samples.f32'))).buffer,
  );
  const wanted = [
    ...expected.map((id, k) => ({ name: String(id), values: pixels.subarray(k * area, (k + 1) * area) })),
    ...synth.samples.map((s, k) => ({
      name: `${s.kind}-${s.id}`,
      values: generated.subarray(k * area, (k + 1) * area),
    })),
  ];
  const sharp = await loadSharp();
  const png = exportImages('images-png', '--images', 'png');
  assert.deepEqual(fs.readdirSync(png).sort(), wanted.map((w) => `${w.name}.png`).sort());
  for (const w of wanted) {
    const { data, info } = await sharp(path.join(png, `${w.name}.png`))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [size, size, 1]);
    assert.deepEqual(new Uint8Array(data), toBytes(w.values), w.name);
  }
  const nifti = exportImages('images-nifti', '--images', 'nifti');
  assert.deepEqual(fs.readdirSync(nifti).sort(), wanted.map((w) => `${w.name}.nii`).sort());
  for (const w of wanted) {
    const bytes = fs.readFileSync(path.join(nifti, `${w.name}.nii`));
    assert.deepEqual([bytes.readInt16LE(42), bytes.readInt16LE(44), bytes.readInt16LE(46)], [size, size, 1]);
    const offset = bytes.readFloatLE(108);
    assert.deepEqual(new Float32Array(new Uint8Array(bytes.subarray(offset)).buffer), w.values, w.name);
  }
});

test('--images source copies each source once (odd names made safe), --link links them, stale images go', () => {
  const sources = [...new Set(expected.map((id) => cache.samples[id]!.source))];
  const listed = (dir: string) => csvByPython(path.join(dir, 'sources.csv'));
  const copies = exportImages('images-source', '--images', 'source');
  const rows = listed(copies);
  assert.deepEqual(
    rows.map((r) => r.source),
    sources,
  );
  for (const row of rows) {
    const file = path.join(path.dirname(copies), row.file!);
    assert.match(path.basename(file), /^\d{4}-[A-Za-z0-9][A-Za-z0-9._-]*$/);
    assert.equal(path.dirname(file), copies, 'inside images/');
    assert.equal(fs.lstatSync(file).isSymbolicLink(), false);
    assert.deepEqual(fs.readFileSync(file), fs.readFileSync(row.source!));
  }
  const links = exportImages('images-links', '--images', 'source', '--link');
  for (const row of listed(links)) {
    const file = path.join(path.dirname(links), row.file!);
    assert.equal(fs.readlinkSync(file), row.source);
  }
  // Exported again for a smaller subset: the images of samples no longer in it are removed, the user's file stays.
  fs.writeFileSync(path.join(copies, 'notes.txt'), 'mine');
  const random = runCli(['select', '--run', runDir, '--method', 'random', '--budget', '2', '--json']);
  assert.equal(random.status, 0, random.stderr);
  exportImages('images-source', '--images', 'source', '--method', 'random');
  const left = listed(copies).map((r) => path.basename(r.file!));
  assert.deepEqual(fs.readdirSync(copies).sort(), [...left, 'notes.txt', 'sources.csv'].sort());
  const refused = runCli(['export', '--what', 'subset', '--run', runDir, '--out', root, '--link', '--json']);
  assert.match(refused.stderr, /--link applies to --images source only/);
});

test("--images source exports only files the run's own ingest read: a forged source or pool is refused", () => {
  const secrets = path.join(root, 'secrets');
  fs.mkdirSync(secrets, { recursive: true });
  const secret = path.join(secrets, 'id_ed25519');
  fs.writeFileSync(secret, 'PRIVATE KEY');
  // A shared run folder whose cache index names the secret file, and its folder, as selected samples' sources.
  const forged = path.join(root, 'forged-run');
  fs.cpSync(runDir, forged, { recursive: true });
  editCacheSamples(forged, (samples) => {
    samples[expected[0]!]!.source = secret;
    samples[expected[1]!]!.source = secrets;
  });
  const out = path.join(root, 'forged-export');
  const r = runCli([
    'export',
    ...['--what', 'subset', '--method', 'optidel', '--run', forged, '--out', out],
    '--images',
    'source',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { skipped: Array<{ path: string; reason: string }> };
  for (const named of [secret, secrets])
    assert.match(
      result.skipped.find((s) => s.path === named)?.reason ?? 'not skipped',
      /not a file this run's ingest read/,
    );
  const exported = fs.readdirSync(path.join(out, 'images'), { recursive: true, withFileTypes: true });
  assert.ok(exported.length > 1, 'the genuine sources are still exported');
  for (const e of exported.filter((e) => e.isFile()))
    assert.notEqual(fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'), 'PRIVATE KEY', e.name);
  // A run.json whose config names the secrets folder as the pool: its files do not hash to the cache's.
  const recordFile = path.join(forged, 'run.json');
  const record = readJson<{ config: { pool: string[] } }>(recordFile);
  fs.writeFileSync(recordFile, JSON.stringify({ ...record, config: { ...record.config, pool: [secrets] } }));
  const elsewhere = path.join(root, 'forged-pool-export');
  const refused = runCli(['export', '--what', 'subset', '--run', forged, '--out', elsewhere, '--images', 'source']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /cannot be vouched for; run "optidel ingest/);
  assert.equal(fs.existsSync(elsewhere), false, 'nothing written');
});
