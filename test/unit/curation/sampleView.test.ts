/**
 * The sample view's data (optidel sample): the slab served for a sample of a NIfTI written by
 * nibabel, held to nibabel's own closest-canonical reading of the file; key patches and the mask
 * in the slab's grid; a run folder edited to name a file outside its pool or a mask its ingest did
 * not see, or linking its config elsewhere, is refused.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CacheIndex, KeyPatchFile } from '../../../src/shared/artifacts';
import { writeKeyPatchesFile } from '../../../src/shared/node/keyPatchesFile';
import { ARTIFACTS } from '../../../src/shared/artifacts';
import { ingestCommand } from '../../../src/engine/commands/ingest';
import { serveSample } from '../../../src/engine/curation/sampleView';
import { encodePng } from '../../fixtures/png';
import { libraryFixtures } from '../data/independentFixtures';
import { readCacheIndexFile } from '../../../src/shared/node/cacheIndexFile';
import { editCacheSamples } from '../../helpers/cacheSamples';
import { recordingContext } from '../data/context';

const SCRIPT = path.resolve(__dirname, '../../fixtures/independent/sample_slab.py');
const python = ['python3', '/usr/bin/python3'].find(
  (p) => spawnSync(p, ['-c', 'import numpy, nibabel'], { encoding: 'utf8' }).status === 0,
);
const skip = python ? undefined : 'needs nibabel with numpy (apt-get install python3-nibabel)';

const ctx = recordingContext();

interface Check {
  shape: number[];
  zooms: number[];
  canonicalZooms: number[];
  first: number | null;
  maxDiff: number | null;
  canonicalSlice: number;
}

/** nibabel's verdict on a served slab (base64 NIfTI) against the original file. */
function nibabelCheck(base64: string, original: string, axis: number, fileSlice: number): Check {
  const served = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-slab-')), 'served.nii');
  fs.writeFileSync(served, Buffer.from(base64, 'base64'));
  const r = spawnSync(python!, [SCRIPT, 'check', served, original, String(axis), String(fileSlice)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Check;
}

/** Voxel values of a served Float32 or UInt8 NIfTI-1 (352-byte header, data right after). */
function niftiVoxels(base64: string): { dims: number[]; values: ArrayLike<number> } {
  const bytes = Buffer.from(base64, 'base64');
  const dims = [0, 1, 2].map((i) => bytes.readInt16LE(42 + 2 * i));
  const data = bytes.subarray(352);
  const values =
    bytes.readInt16LE(70) === 2
      ? new Uint8Array(data)
      : new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return { dims, values };
}

/** `root/pool` ingested at 16 px into `root/run` with the config's other sections `settings`. */
async function ingested(root: string, settings: object): Promise<{ runDir: string; index: CacheIndex }> {
  const config = path.join(root, 'optidel.json');
  fs.writeFileSync(config, JSON.stringify({ pool: [path.join(root, 'pool')], imageSize: 16, ...settings }));
  const runDir = path.join(root, 'run');
  await ingestCommand.run({ config, out: runDir }, ctx);
  return { runDir, index: await readCacheIndexFile(runDir) };
}

describe('optidel sample', { skip }, () => {
  let root: string;
  let runDir: string;
  let index: CacheIndex;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-sample-'));
    const w = spawnSync(python!, [SCRIPT, 'write', root], { encoding: 'utf8' });
    assert.equal(w.status, 0, w.stderr);
    // A 2D image beside the volume: 6 x 4 pixels, value 10 * column + 40 * row + 5.
    const png = Uint8Array.from({ length: 24 }, (_, i) => 10 * (i % 6) + 40 * Math.floor(i / 6) + 5);
    fs.writeFileSync(path.join(root, 'pool', 'photo.png'), encodePng(6, 4, 1, png));
    ({ runDir, index } = await ingested(root, {
      ingest: { axes: ['axial', 'sagittal'], emptyFraction: 0 },
      downstream: [
        {
          name: 'organs',
          images: path.join(root, 'pool', 'scan.nii'),
          labels: path.join(root, 'labels', 'scan.nii'),
        },
      ],
    }));
  });

  test('the whole volume, in RAS+ order, holds the voxels nibabel reads, for an axial and a sagittal sample', async () => {
    const original = path.join(root, 'pool', 'scan.nii');
    for (const axis of [2, 0] as const) {
      const sample = index.samples.find((s) => s.axis === axis && s.slice === 3)!;
      const served = await serveSample(runDir, sample.id);
      const check = nibabelCheck(served.nifti, original, axis, 3);
      assert.deepEqual(check.shape, [10, 7, 12], 'canonical R x A x S dims');
      assert.deepEqual(served.dims, [10, 7, 12]);
      assert.equal(check.first, 0);
      assert.equal(check.maxDiff, 0, 'every voxel equals nibabel’s');
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(check.zooms[i] - check.canonicalZooms[i]) < 1e-6);
      assert.equal(served.slab.first + served.slab.sampleSlice, check.canonicalSlice, 'the sample’s slice');
      assert.equal(served.kind, 'volume');
      assert.equal(served.file, original);
    }
  });

  test('a 2D image is a one-slice volume, its rows from the top as stored', async () => {
    const sample = index.samples.find((s) => s.source.endsWith('photo.png'))!;
    const served = await serveSample(runDir, sample.id);
    assert.equal(served.kind, 'image');
    assert.deepEqual(served.dims, [6, 4, 1]);
    const { values } = niftiVoxels(served.nifti);
    // Canonical y runs anterior (up the screen): file row r is y = 3 - r.
    for (let row = 0; row < 4; row++)
      for (let col = 0; col < 6; col++) assert.equal(values[col + 6 * (3 - row)], 10 * col + 40 * row + 5);
    assert.equal(served.window.label, '8-bit');
    assert.deepEqual([served.window.level, served.window.width], [127.5, 255]);
  });

  test('a bounded slab: the slices around the sample, still nibabel’s voxels', async () => {
    const sample = index.samples.find((s) => s.axis === 2 && s.slice === 9)!;
    const served = await serveSample(runDir, sample.id, 10 * 7 * 5);
    assert.equal(served.slab.count, 5);
    assert.equal(served.slab.total, 12);
    const check = nibabelCheck(served.nifti, path.join(root, 'pool', 'scan.nii'), 2, 9);
    assert.deepEqual(check.shape, [10, 7, 5]);
    assert.equal(check.maxDiff, 0);
    assert.equal(check.first, served.slab.first, 'where the slab starts');
    assert.equal(served.slab.first + served.slab.sampleSlice, check.canonicalSlice);
    assert.ok(served.slab.sampleSlice >= 1 && served.slab.sampleSlice <= 3, 'the sample lies inside, not at an edge');
  });

  test('the mask of the labelled data set and the key patches lie in the slab’s grid', async () => {
    const sample = index.samples.find((s) => s.axis === 2 && s.slice === 3)!;
    const patches: KeyPatchFile = {
      proposer: 'test',
      // The whole 16-pixel square, and its top-left quarter.
      patches: [
        { id: 0, sampleId: sample.id, box: [0, 0, 16, 16], origin: 'auto', difficulty: 0.5 },
        { id: 1, sampleId: sample.id, box: [0, 0, 8, 8], origin: 'user' },
        { id: 2, sampleId: sample.id + 1, box: [0, 0, 8, 8], origin: 'auto' },
      ],
    };
    await writeKeyPatchesFile(runDir, ARTIFACTS.keyPatches, patches);
    const served = await serveSample(runDir, sample.id);
    assert.equal(served.mask?.dataset, 'organs');
    assert.deepEqual(served.mask?.labels, [1, 2]);
    const mask = niftiVoxels(served.mask!.nifti);
    const image = niftiVoxels(served.nifti);
    assert.deepEqual(mask.dims, image.dims);
    // nibabel's canonical reading of the label file, compared voxel by voxel.
    const maskCheck = nibabelCheck(served.mask!.nifti, path.join(root, 'labels', 'scan.nii'), 2, 3);
    assert.equal(maskCheck.maxDiff, 0);
    // The axial slice is 10 (R) x 7 (A) voxels of 0.8 x 1.5 mm, 8 x 10.5 mm: 12 x 16 pixels of the square from
    // column 2, so its left half (square columns 0-7) is slice columns 0-5, its top half rows 0-3.5.
    assert.deepEqual(
      served.keyPatches.map((p) => [p.id, p.x, p.y, p.width, p.height]),
      [
        [0, 0, 0, 10, 7],
        [1, 0, 0, 5, 4],
      ],
    );
    const outline = niftiVoxels(served.patchesNifti!);
    assert.deepEqual(outline.dims, image.dims);
    const [nx, ny] = outline.dims;
    const z = served.slab.first + served.slab.sampleSlice;
    const at = (x: number, y: number, zz: number) => outline.values[x + nx * (y + ny * zz)];
    // Displayed row 0 is the most anterior voxel row (y = ny - 1); column 0 the patient's right-most (x = 0).
    assert.equal(at(0, ny - 1, z), 1, 'corner of both boxes');
    assert.equal(at(9, 0, z), 1, 'far corner of the whole-slice box');
    assert.equal(at(5, 3, z), 0, 'inside the boxes');
    assert.equal(at(0, ny - 1, z === 0 ? 1 : 0), 0, 'only on the sample’s slice');
  });

  test('a cache index edited to name a file outside the pool is refused, not read', async () => {
    const hostile = path.join(root, 'hostile-run');
    fs.cpSync(runDir, hostile, { recursive: true });
    const outside = path.join(root, 'labels', 'scan.nii');
    editCacheSamples(hostile, (samples) => {
      samples[0]!.source = outside;
      samples[1]!.source = path.join(root, 'pool', '..', 'labels', 'scan.nii');
    });
    for (const id of [0, 1]) await assert.rejects(serveSample(hostile, id), /is not a file the run's ingest read/);
    await assert.rejects(serveSample(hostile, 0), (err: Error) => err.message.includes(outside));
    await assert.rejects(serveSample(hostile, index.samples.length), /is not in the pool/);
  });

  test('a run whose config.json names the pool "/" shows no file its ingest did not read', async () => {
    const hostile = path.join(root, 'forged-config-run');
    fs.cpSync(runDir, hostile, { recursive: true });
    const config = JSON.parse(fs.readFileSync(path.join(hostile, ARTIFACTS.config), 'utf8'));
    fs.writeFileSync(path.join(hostile, ARTIFACTS.config), JSON.stringify({ ...config, pool: ['/'] }));
    const outside = path.join(root, 'labels', 'scan.nii');
    editCacheSamples(hostile, (samples) => {
      samples[0]!.source = outside;
    });
    await assert.rejects(serveSample(hostile, 0), (err: Error) =>
      err.message.includes(`${outside} is not a file the run's ingest read`),
    );
    // The samples the ingest did read are still shown.
    const sample = index.samples.find((s) => s.axis === 2 && s.slice === 3)!;
    assert.equal((await serveSample(hostile, sample.id)).file, path.join(root, 'pool', 'scan.nii'));
  });

  test('a config.json whose downstream names a file elsewhere as the mask shows no mask, and says why', async () => {
    const hostile = path.join(root, 'forged-labels-run');
    fs.cpSync(runDir, hostile, { recursive: true });
    // A file the run never saw, on the same grid as the pool's volume, so it would decode as its mask.
    const secret = path.join(root, 'elsewhere', 'secret.nii');
    fs.mkdirSync(path.dirname(secret), { recursive: true });
    fs.copyFileSync(path.join(root, 'labels', 'scan.nii'), secret);
    const config = JSON.parse(fs.readFileSync(path.join(hostile, ARTIFACTS.config), 'utf8'));
    config.downstream[0].labels = secret;
    fs.writeFileSync(path.join(hostile, ARTIFACTS.config), JSON.stringify(config));
    const sample = index.samples.find((s) => s.axis === 2 && s.slice === 3)!;
    const served = await serveSample(hostile, sample.id);
    assert.equal(served.mask, undefined);
    assert.match(
      served.notes.join('\n'),
      /secret\.nii of downstream "organs" not shown: it is not a label map the run's ingest saw/,
    );
    // A forged record does not help: it cannot know the file's modification time.
    const forged = { version: 1, fingerprints: ['0'.repeat(64)] };
    fs.writeFileSync(path.join(hostile, ARTIFACTS.vouchedLabels), JSON.stringify(forged));
    assert.equal((await serveSample(hostile, sample.id)).mask, undefined);
    // The genuine label map, changed since the ingest, is not read either, until the pool is ingested again.
    const changed = path.join(root, 'changed-labels-run');
    fs.cpSync(runDir, changed, { recursive: true });
    const labels = path.join(root, 'labels', 'scan.nii');
    const { atime, mtime } = fs.statSync(labels);
    fs.utimesSync(labels, atime, new Date(mtime.getTime() + 5000));
    const stale = await serveSample(changed, sample.id);
    assert.equal(stale.mask, undefined);
    assert.match(stale.notes.join('\n'), /the file changed since/);
    await ingestCommand.run({ config: path.join(root, 'optidel.json'), out: changed }, ctx);
    assert.equal((await serveSample(changed, sample.id)).mask?.dataset, 'organs');
  });

  test('a config.json or key-patch file that is a symbolic link is not followed', async () => {
    const linked = path.join(root, 'linked-run');
    fs.cpSync(runDir, linked, { recursive: true });
    fs.rmSync(path.join(linked, ARTIFACTS.keyPatches));
    fs.symlinkSync(path.join(runDir, ARTIFACTS.keyPatches), path.join(linked, ARTIFACTS.keyPatches));
    const sample = index.samples.find((s) => s.axis === 2 && s.slice === 3)!;
    const served = await serveSample(linked, sample.id);
    assert.deepEqual(served.keyPatches, []);
    assert.match(served.notes.join('\n'), /key patches not shown: .*symbolic link/);
    fs.rmSync(path.join(linked, ARTIFACTS.config));
    fs.symlinkSync(path.join(runDir, ARTIFACTS.config), path.join(linked, ARTIFACTS.config));
    await assert.rejects(serveSample(linked, sample.id), /symbolic link config\.json/);
  });
});

const pydicom = libraryFixtures('pydicom');

test(
  'a DICOM series written by pydicom: its folder served, every voxel rescaled',
  { skip: 'skip' in pydicom ? pydicom.skip : undefined },
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-sample-dicom-'));
    const series = path.join(root, 'pool', 'series');
    fs.cpSync(path.join((pydicom as { dir: string }).dir, 'dicom_rle'), series, { recursive: true });
    const { runDir, index } = await ingested(root, { ingest: { emptyFraction: 0, intensity: { mode: 'minmax' } } });
    const served = await serveSample(runDir, index.samples[0]!.id);
    assert.equal(served.file, series);
    assert.equal(served.kind, 'volume');
    assert.deepEqual([...served.dims].sort(), [4, 5, 6]);
    // What pydicom itself decodes (manifest.json), rescaled by the series' intercept of -1024.
    const manifest = JSON.parse(
      fs.readFileSync(path.join((pydicom as { dir: string }).dir, 'manifest.json'), 'utf8'),
    ) as Record<string, number[][][]>;
    const decoded = Object.entries(manifest).filter(([file]) => file.startsWith('dicom_rle/'));
    const expected = new Set(decoded.flatMap(([, frames]) => frames.flat(2).map((v) => v - 1024)));
    assert.deepEqual(new Set(Array.from(niftiVoxels(served.nifti).values)), expected);
    // The window ingest used: the config's minmax, over the whole series.
    const { level, width } = served.window;
    assert.deepEqual([level - width / 2, level + width / 2], [Math.min(...expected), Math.max(...expected)]);
  },
);
