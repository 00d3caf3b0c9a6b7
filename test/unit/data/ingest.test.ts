/** ingestPool end to end on the tiny demo data and on independent fixtures mixed with bad files. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ThumbnailAtlasIndex } from '../../../src/shared/artifacts';
import { readRun } from '../../../src/shared/node/runStore';
import { loadConfig, parseConfig } from '../../../src/engine/config/loadConfig';
import { openCache } from '../../../src/engine/data/cache';
import { writeDemoData } from '../../../src/engine/data/demo';
import { ingestPool } from '../../../src/engine/pipeline/ingestStage';
import { recordingContext } from './context';
import { independentFixtures } from './independentFixtures';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ingest-'));

let demo: Promise<string> | undefined;
function tinyDemo(): Promise<string> {
  demo ??= (async () => (await writeDemoData(tmp(), { size: 'tiny', seed: 3 })).configFile)();
  return demo;
}

test('the tiny demo ingests into shards, an index with provenance, thumbnails and run.json', async () => {
  const loaded = await loadConfig(await tinyDemo());
  const runDir = tmp();
  const ctx = recordingContext();
  const summary = await ingestPool(loaded, runDir, ctx);
  assert.ok(summary.samples > 30, `samples: ${summary.samples}`);
  assert.equal(summary.cached, false);
  assert.deepEqual(summary.skipped, []);
  assert.ok(summary.emptySlicesSkipped > 0, 'the MRI dome has empty slices at its ends');
  assert.deepEqual(ctx.stages, ['ingest:running', 'ingest:done']);
  assert.equal((await readRun(runDir)).stages.ingest?.status, 'done');

  const cache = await openCache(runDir);
  try {
    assert.equal(cache.size, summary.samples);
    assert.equal(cache.imageSize, 32);
    const samples = await cache.provenance();
    const kinds = new Set(samples.map((s) => s.intensity.split(' ')[0]));
    assert.deepEqual([...kinds].sort(), ['8-bit', 'ct-window', 'percentile']);
    // The reader keeps only where each sample lies, and that is where the provenance says it lies.
    const { positions } = cache.layout;
    assert.deepEqual(
      Array.from(positions.shard),
      samples.map((s) => s.shard),
    );
    assert.deepEqual(
      Array.from(positions.offset),
      samples.map((s) => s.offset),
    );
    assert.ok(positions.shard.buffer instanceof SharedArrayBuffer);
    const ct = samples.find((s) => s.source.endsWith('ct-000.nii.gz'))!;
    assert.equal(ct.axis, 2);
    assert.deepEqual(ct.originalSize, [48, 48]);
    // read() returns the samples in the order asked; batches() streams the same pixels.
    const ids = [5, 0, 17];
    const pixels = await cache.read(ids);
    const seen = new Map<number, Float32Array>();
    for await (const batch of cache.batches({ batchSize: 7, shuffle: true, seed: 1 })) {
      batch.ids.forEach((id, i) => seen.set(id, batch.pixels.slice(i * 1024, (i + 1) * 1024)));
    }
    assert.equal(seen.size, cache.size);
    ids.forEach((id, i) => assert.deepEqual(pixels.subarray(i * 1024, (i + 1) * 1024), seen.get(id)));
    assert.ok(pixels.every((v) => v >= 0 && v <= 1));
    const order1: number[] = [];
    const order2: number[] = [];
    for await (const b of cache.batches({ batchSize: 5, shuffle: true, seed: 9 })) order1.push(...b.ids);
    for await (const b of cache.batches({ batchSize: 5, shuffle: true, seed: 9 })) order2.push(...b.ids);
    assert.deepEqual(order1, order2);
    // Provenance read later from a cache re-ingested meanwhile is refused, not paired with the old positions.
    const indexFile = path.join(runDir, 'cache/index.json');
    const kept = fs.readFileSync(indexFile, 'utf8');
    fs.writeFileSync(indexFile, JSON.stringify({ ...JSON.parse(kept), contentHash: 'another pool' }));
    await assert.rejects(
      cache.provenance(),
      /cache\/index\.json changed while the command ran \(another ingest\?\); run it again/,
    );
    fs.writeFileSync(indexFile, kept);
  } finally {
    await cache.close();
  }
  const thumbs = JSON.parse(fs.readFileSync(path.join(runDir, 'thumbs/index.json'), 'utf8')) as ThumbnailAtlasIndex;
  assert.equal(Object.keys(thumbs.positions).length, summary.samples);
  assert.ok(fs.existsSync(path.join(runDir, 'thumbs', thumbs.atlases[0])));
});

test('an unchanged pool is not decoded twice; a changed file triggers a rebuild', async () => {
  const configFile = await tinyDemo();
  const loaded = await loadConfig(configFile);
  const runDir = tmp();
  const first = await ingestPool(loaded, runDir, recordingContext());
  const again = await ingestPool(loaded, runDir, recordingContext());
  assert.equal(again.cached, true);
  assert.equal(again.samples, first.samples);
  const png = path.join(path.dirname(configFile), 'pool/xray/seq-00/frame-0000.png');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(png, later, later);
  const rebuilt = await ingestPool(loaded, runDir, recordingContext());
  assert.equal(rebuilt.cached, false);
  assert.equal(rebuilt.samples, first.samples);
});

test('bad files are skipped with their path and reason, and the rest goes on', async () => {
  const fixtures = independentFixtures();
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'empty.nii'), '');
  fs.writeFileSync(path.join(dir, 'text.png'), 'not a png at all');
  fs.writeFileSync(path.join(dir, 'truncated.nii'), fs.readFileSync(path.join(fixtures, 'int16.nii')).subarray(0, 400));
  const loaded = parseConfig(
    {
      pool: [
        path.join(fixtures, 'int16.nii'),
        path.join(fixtures, 'nan.nii'),
        path.join(fixtures, 'huge_header.nii'),
        path.join(fixtures, 'dicom_jpeg2000'),
        path.join(fixtures, 'dicom_explicit'),
        dir,
        path.join(dir, 'missing.nii'),
      ],
      imageSize: 16,
      ingest: { emptyFraction: 0, intensity: { mode: 'minmax' } },
    },
    path.join(dir, 'optidel.json'),
  );
  const ctx = recordingContext();
  const summary = await ingestPool(loaded, tmp(), ctx);
  const reasons = new Map(summary.skipped.map((s) => [path.basename(s.path), s.reason]));
  assert.match(reasons.get('nan.nii')!, /NaN or infinite/);
  assert.match(reasons.get('huge_header.nii')!, /over the limit/);
  assert.match(reasons.get('x.dcm')!, /JPEG 2000/);
  assert.match(reasons.get('empty.nii')!, /too short/);
  assert.match(reasons.get('text.png')!, /cannot decode/);
  assert.match(reasons.get('truncated.nii')!, /truncated/);
  assert.match(reasons.get('missing.nii')!, /no such file/);
  assert.equal(summary.sources, 2); // int16.nii and the DICOM series
  assert.ok(ctx.logs.some((l) => l.startsWith('warn: skipped') && l.includes('nan.nii')));
});

test('nothing usable is an error that says so', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'bad.nii'), 'garbage');
  const loaded = parseConfig({ pool: [dir] }, path.join(dir, 'optidel.json'));
  const runDir = tmp();
  await assert.rejects(ingestPool(loaded, runDir, recordingContext()), /nothing usable in the pool.*\n.*bad\.nii/);
  assert.equal((await readRun(runDir)).stages.ingest?.status, 'failed');
});

test('cancelling stops the ingest and marks the stage cancelled', async () => {
  const loaded = await loadConfig(await tinyDemo());
  const runDir = tmp();
  const ctx = recordingContext();
  ctx.controller.abort();
  await assert.rejects(ingestPool(loaded, runDir, ctx), { name: 'CancelledError' });
  assert.equal((await readRun(runDir)).stages.ingest?.status, 'cancelled');
});

test('volumes are sliced along every configured axis, each slice with its provenance', async () => {
  const fixtures = independentFixtures();
  const loaded = parseConfig(
    {
      pool: [path.join(fixtures, 'int16.nii')],
      imageSize: 8,
      ingest: { axes: ['axial', 'coronal', 'sagittal'], emptyFraction: 0, intensity: { mode: 'minmax' } },
    },
    path.join(fixtures, 'optidel.json'),
  );
  const runDir = tmp();
  const summary = await ingestPool(loaded, runDir, recordingContext());
  assert.equal(summary.samples, 3 + 4 + 5); // 5 x 4 x 3 voxels: 3 axial, 4 coronal, 5 sagittal slices
  const cache = await openCache(runDir);
  const samples = await cache.provenance();
  const byAxis = [0, 1, 2].map((axis) => samples.filter((s) => s.axis === axis).map((s) => s.slice));
  assert.deepEqual(byAxis, [
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3],
    [0, 1, 2],
  ]);
  assert.deepEqual(samples.find((s) => s.axis === 1)?.originalSize, [5, 3]);
  await cache.close();
});

test('a pool of MetaImage, NRRD and Analyze files ingests each header once; their data files are no sources', async () => {
  const fixtures = independentFixtures();
  const pool = tmp();
  const files = ['mha_int16.mha', 'mhd_uint16.mhd', 'mhd_uint16.raw', 'nrrd_detached.nhdr', 'nrrd_detached.raw.gz'];
  for (const f of files) fs.copyFileSync(path.join(fixtures, f), path.join(pool, f));
  // An Analyze pair, written here (by hand, as the format is simple): 5 x 4 x 3 uint8, voxel i holds i.
  const header = Buffer.alloc(348);
  header.writeInt32LE(348, 0);
  [3, 5, 4, 3, 1, 1, 1, 1].forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(2, 70);
  header.writeInt16LE(8, 72);
  [1, 1, 1, 2].forEach((p, i) => header.writeFloatLE(p, 76 + 4 * i));
  fs.writeFileSync(path.join(pool, 'pair.hdr'), header);
  fs.writeFileSync(path.join(pool, 'pair.img'), Buffer.from(Array.from({ length: 60 }, (_, i) => i)));
  const loaded = parseConfig(
    { pool: [pool], imageSize: 8, ingest: { emptyFraction: 0, intensity: { mode: 'minmax' } } },
    path.join(pool, 'optidel.json'),
  );
  const summary = await ingestPool(loaded, tmp(), recordingContext());
  assert.deepEqual(summary.skipped, []);
  assert.equal(summary.sources, 4);
  // Three axial slices from each of the four volumes.
  assert.equal(summary.samples, 12);
});
