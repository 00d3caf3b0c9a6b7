/**
 * What Python users get from a run, read by Python itself: `optidel export --what scores` loaded by
 * numpy, and python/optidel's `load_run` and `Subset` on the same run folder (a real pipeline run
 * on the tiny demo data, with hand curation in one selection). Skipped where no python3 has numpy.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { CacheIndex, SelectionFile, ThumbnailAtlasIndex } from '../../../src/shared/artifacts';
import { ARTIFACTS } from '../../../src/shared/artifacts';
import { SUBSET_MIME, parseSubsetPayload, type SubsetPayload } from '../../../src/shared/subsetPayload';
import { loadSharp } from '../../../src/engine/data/formats/raster';
import { curated } from '../../../src/engine/pipeline/runArtifacts';
import { subsetPng } from '../../../src/engine/export/subsetRaster';
import { readCacheIndexFile } from '../../../src/shared/node/cacheIndexFile';
import { ROOT, runCli } from '../../helpers/engine';
import { makeTinyDemo, runTinyPipeline } from '../../helpers/tinyRun';
import { NUMPY_MISSING, findPython, runPython } from './python';

const python = findPython('numpy');
const skip = python ? false : NUMPY_MISSING;
let root: string;
let runDir: string;
let cache: CacheIndex;
let random: SelectionFile;

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const readF32 = (relative: string): number[] => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(runDir, relative)));
  return [...new Float32Array(bytes.buffer)];
};
const script = (name: string) => path.join(ROOT, 'test/unit/interop', name);

before(async () => {
  const demo = makeTinyDemo();
  root = demo.root;
  runDir = path.join(root, 'run');
  runTinyPipeline(demo.configFile, runDir);
  const r = runCli(['select', '--run', runDir, '--method', 'random', '--budget', '8', '--json']);
  assert.equal(r.status, 0, r.stderr);
  cache = await readCacheIndexFile(runDir);
  // Hand curation as the gallery saves it: one selected sample removed, one other added.
  const file = path.join(runDir, 'selection/random.json');
  const selection = readJson<SelectionFile>(file);
  const added = cache.samples.find((s) => !selection.selected.includes(s.id))!.id;
  random = { ...selection, manual: { include: [added], exclude: [selection.selected[0]!] } };
  fs.writeFileSync(file, JSON.stringify(random));
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

test('export --what scores: every .npy is NPY 1.0 that numpy loads to the run values, CSV alike', { skip }, () => {
  const out = path.join(root, 'scores');
  const r = runCli(['export', '--what', 'scores', '--run', runDir, '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const read = JSON.parse(runPython(python!, script('readScores.py'), [out])) as {
    arrays: Record<string, { version: number[]; dataOffset: number; dtype: string; shape: number[]; values: number[] }>;
    rows: Array<Record<string, string>>;
  };
  const n = cache.samples.length;
  const info = readJson<{ embeddingDim: number; patchesPerSide: number }>(path.join(runDir, ARTIFACTS.scores));
  const float = {
    'difficulty_normalised.npy': { shape: [n], values: readF32(ARTIFACTS.difficulty) },
    'embeddings.npy': { shape: [n, info.embeddingDim], values: readF32(ARTIFACTS.embeddings) },
    'projection.npy': { shape: [n, 2], values: readF32(ARTIFACTS.projection) },
    'patch_errors.npy': { shape: [n, info.patchesPerSide ** 2], values: readF32(ARTIFACTS.patchErrors) },
  };
  assert.deepEqual(
    Object.keys(read.arrays).sort(),
    [...Object.keys(float), 'selection.npy', 'selection_order.npy'].sort(),
  );
  for (const [name, want] of Object.entries(float)) {
    const got = read.arrays[name]!;
    assert.deepEqual([got.version, got.dtype, got.shape], [[1, 0], '<f4', want.shape], name);
    assert.equal(got.dataOffset % 64, 0, `${name}: data aligned as numpy writes it`);
    assert.deepEqual(got.values, want.values, name);
  }
  // Selection status per method, columns in manifest order: 1 selected, 2 removed by hand, 3 added by hand.
  const manifest = readJson<{ methods: string[] }>(path.join(out, 'manifest.json'));
  assert.deepEqual(manifest.methods, ['optidel', 'random']);
  const status = read.arrays['selection.npy']!;
  assert.deepEqual([status.dtype, status.shape], ['|u1', [n, 2]]);
  const optidel = readJson<SelectionFile>(path.join(runDir, 'selection/optidel.json'));
  const code = (s: SelectionFile, id: number): number =>
    s.manual?.exclude.includes(id) ? 2 : s.selected.includes(id) ? 1 : s.manual?.include.includes(id) ? 3 : 0;
  const want = cache.samples.flatMap((s) => [code(optidel, s.id), code(random, s.id)]);
  assert.deepEqual(status.values, want);
  assert.deepEqual(new Set(want), new Set([0, 1, 2, 3]), 'every status occurs');
  const text = ['', 'selected', 'removed by hand', 'added by hand'];
  assert.equal(read.rows.length, n);
  read.rows.forEach((row, id) => {
    assert.equal(row.source, cache.samples[id]!.source);
    assert.equal(Number(row.difficulty_normalised), float['difficulty_normalised.npy'].values[id]);
    assert.equal(row.selection_random, text[want[2 * id + 1]!]);
  });
});

interface Loaded {
  layout: Record<string, string>;
  pool: Array<{ id: number; source: string; axis: number | null; slice: number | null }>;
  embeddings: { shape: number[]; values: number[] };
  difficulty: number[];
  selections: Record<string, number[]>;
  skipped: Array<[string, string]>;
  bundle: Record<string, unknown>;
  datalist: Array<{ image: string; sample_id: number }> | null;
}
const loadRun = (dir: string, ...more: string[]): Loaded =>
  JSON.parse(runPython(python!, script('loadRun.py'), [dir, ...more])) as Loaded;

test("python/optidel's layout names are src/shared/run/layout.ts's", { skip }, () => {
  const { layout } = loadRun(runDir);
  assert.ok(Object.keys(layout).length >= 10);
  for (const [key, name] of Object.entries(layout)) assert.equal(name, ARTIFACTS[key as keyof typeof ARTIFACTS], key);
});

test('load_run: the pool table, scores, embeddings and the curated selections', { skip }, () => {
  const loaded = loadRun(runDir);
  assert.deepEqual(
    loaded.pool.map((p) => [p.id, p.source, p.axis ?? undefined, p.slice ?? undefined]),
    cache.samples.map((s) => [s.id, s.source, s.axis, s.slice]),
  );
  const info = readJson<{ embeddingDim: number }>(path.join(runDir, ARTIFACTS.scores));
  assert.deepEqual(loaded.embeddings.shape, [cache.samples.length, info.embeddingDim]);
  assert.deepEqual(loaded.embeddings.values, readF32(ARTIFACTS.embeddings));
  assert.deepEqual(loaded.difficulty, readF32(ARTIFACTS.difficulty));
  assert.deepEqual(loaded.selections.random, curated(random).ids, 'curation applied as training applies it');
  assert.deepEqual(loaded.skipped, []);
});

test(
  "Subset's MIME bundle: the renderer's payload (as optidel export writes it) and static HTML and text",
  { skip },
  async () => {
    const { bundle } = loadRun(runDir, 'random');
    const payload = parseSubsetPayload(bundle[SUBSET_MIME]);
    const json = path.join(root, 'subset.json');
    const r = runCli(['export', '--run', runDir, '--format', 'json', '--method', 'random', '--out', json, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const engine = readJson<SubsetPayload>(json);
    assert.deepEqual(payload.summary.methods, engine.summary.methods);
    assert.equal(payload.summary.selectedCount, curated(random).ids.length);
    const strip = (p: SubsetPayload) =>
      p.samples.map((s) => [s.id, s.difficulty, s.embedding, [...(s.selectedBy ?? [])].sort(), s.provenance?.source]);
    assert.deepEqual(strip(payload), strip(engine));
    const chosen = new Set(curated(random).ids);
    assert.deepEqual(
      payload.samples.filter((s) => s.selected).map((s) => s.id),
      payload.samples.filter((s) => chosen.has(s.id)).map((s) => s.id),
    );

    const html = bundle['text/html'] as string;
    assert.equal(html.match(/<circle /g)?.length, cache.samples.length, 'one point per pool sample');
    assert.ok((html.match(/<rect /g)?.length ?? 0) > 0, 'a histogram');
    assert.doesNotMatch(html, /<script|https?:/, 'static: nothing runs, nothing is fetched');
    // Each thumbnail in the strip is the sample's tile of the run's atlas.
    const thumbs = readJson<ThumbnailAtlasIndex>(path.join(runDir, ARTIFACTS.thumbsIndex));
    const sharp = await loadSharp();
    const images = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"[^>]*alt="sample (\d+)"/g)];
    assert.equal(images.length, chosen.size);
    for (const [, base64, id] of images) {
      const [atlas, column, row] = thumbs.positions[id!]!;
      const tile = await sharp(path.join(runDir, 'thumbs', thumbs.atlases[atlas]!))
        .extract({ left: column * thumbs.size, top: row * thumbs.size, width: thumbs.size, height: thumbs.size })
        .greyscale()
        .raw()
        .toBuffer();
      const shown = await sharp(Buffer.from(base64!, 'base64')).greyscale().raw().toBuffer();
      assert.deepEqual(shown, tile, `thumbnail of sample ${id}`);
    }
    // The PNG fallback: the same picture as the exported notebook's, pixel for pixel.
    const png = Buffer.from(bundle['image/png'] as string, 'base64');
    const drawn = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    const engineDrawn = await sharp(subsetPng(engine.samples)).greyscale().raw().toBuffer();
    assert.deepEqual([drawn.info.width, drawn.info.height], [640, 200]);
    assert.ok(drawn.data.includes(0) && drawn.data.includes(170), 'subset and pool both drawn');
    assert.ok(drawn.data.equals(engineDrawn), 'Python and the engine draw the same PNG');
    assert.match(
      bundle['text/plain'] as string,
      new RegExp(`^OptiDEL subset \\(random\\): ${chosen.size} of ${cache.samples.length} samples`),
    );
  },
);

test(
  "the exported subset's datalist.json loads with the package: the curated subset, files that exist",
  { skip },
  () => {
    const out = path.join(root, 'subset');
    const r = runCli(['export', '--what', 'subset', '--run', runDir, '--method', 'random', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const { datalist, selections } = loadRun(runDir, 'random', path.join(out, 'datalist.json'));
    assert.deepEqual(
      datalist!.map((e) => e.sample_id),
      selections.random,
    );
    for (const e of datalist!) assert.equal(e.image, cache.samples[e.sample_id]!.source);
    for (const e of datalist!) assert.ok(fs.existsSync(e.image), e.image);
  },
);

test('a hostile run folder: source text is escaped in the HTML, an atlas path leading out is refused', { skip }, () => {
  const hostile = path.join(root, 'hostile');
  fs.cpSync(runDir, hostile, { recursive: true });
  const indexFile = path.join(hostile, ARTIFACTS.cacheIndex);
  // Written back as a version 1 index (samples inline), which every reader still reads.
  const index = { ...cache, version: 1, samples: cache.samples.map((s) => ({ ...s })) };
  index.samples[curated(random).ids[0]!]!.source = '<script>alert(1)</script>';
  fs.writeFileSync(indexFile, JSON.stringify(index));
  const recordFile = path.join(hostile, ARTIFACTS.run);
  fs.writeFileSync(recordFile, JSON.stringify({ ...readJson<object>(recordFile), id: '<script>alert(1)</script>' }));
  const thumbsFile = path.join(hostile, ARTIFACTS.thumbsIndex);
  const thumbs = readJson<ThumbnailAtlasIndex>(thumbsFile);
  thumbs.atlases = thumbs.atlases.map(() => '../../../../../../etc/passwd');
  fs.writeFileSync(thumbsFile, JSON.stringify(thumbs));
  const { bundle, skipped } = loadRun(hostile, 'random');
  const html = bundle['text/html'] as string;
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /<img /, 'no thumbnails from outside the run');
  assert.ok(
    skipped.length > 0 && skipped.every(([, why]) => /not a plain path inside the run folder/.test(why)),
    JSON.stringify(skipped),
  );
});

const pip = findPython('setuptools, wheel, pip, numpy');

test(
  'pip installs ./python offline, and the installed package loads the run',
  {
    skip: pip
      ? false
      : 'no python3 with pip, setuptools, wheel and numpy: apt-get install -y python3-pip python3-wheel',
  },
  () => {
    // A copy: setuptools builds inside the source folder.
    const source = path.join(root, 'python-source');
    fs.cpSync(path.join(ROOT, 'python'), source, { recursive: true });
    const target = path.join(root, 'site');
    const install = ['-m', 'pip', 'install', '--no-build-isolation', '--no-deps', '--no-index', '--target', target];
    const r = spawnSync(pip!, ['-s', ...install, source], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(target, 'optidel', 'run.py')));
    const loaded = JSON.parse(runPython(pip!, script('loadRun.py'), [runDir, 'random'], target)) as Loaded;
    assert.deepEqual(loaded.selections.random, curated(random).ids);
  },
);
