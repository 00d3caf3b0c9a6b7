// Downstream test images that are also in the pre-training pool are found by content, named in
// the split report and left out of pre-training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseConfig } from '../../../src/engine/config/loadConfig';
import { openCache } from '../../../src/engine/data/cache';
import { ingestPool } from '../../../src/engine/pipeline/ingestStage';
import type { SegmentationDataset } from '../../../src/engine/data/segmentation';
import { allImagesOf } from '../../../src/engine/bench/seedSplits';
import { poolIds } from '../../../src/engine/bench/encoders';
import { testImagesInPool } from '../../../src/engine/bench/poolOverlap';
import { writeSplitReports } from '../../../src/engine/bench/splitReports';
import { recordingContext } from '../data/context';

test('test images found in the pool are reported and kept out of pre-training', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-overlap-'));
  for (const sub of ['images', 'labels', 'pool']) fs.mkdirSync(path.join(dir, sub));
  const raw = { raw: { width: 16, height: 16, channels: 1 as const } };
  const names = ['ant', 'bee', 'cat', 'dog', 'eel', 'fox'];
  for (const [k, name] of names.entries()) {
    const pixels = Buffer.from(
      Array.from({ length: 256 }, (_, i) => ((i * (k + 3) * 37) ^ ((i >> 3) * (k + 1))) % 256),
    );
    await sharp(pixels, raw)
      .png()
      .toFile(path.join(dir, 'images', `${name}.png`));
    await sharp(Buffer.from(pixels.map((v) => (v > 128 ? 1 : 0))), raw)
      .png()
      .toFile(path.join(dir, 'labels', `${name}.png`));
    // The pool holds two of them under other names, and an image of its own.
    if (k < 2) fs.copyFileSync(path.join(dir, 'images', `${name}.png`), path.join(dir, 'pool', `copy-of-${name}.png`));
  }
  await sharp(
    Buffer.alloc(256, 90).map((v, i) => (v + i) % 256),
    raw,
  )
    .png()
    .toFile(path.join(dir, 'pool', 'other.png'));
  const loaded = parseConfig(
    {
      pool: ['pool'],
      downstream: [{ name: 'zoo', images: 'images', labels: 'labels' }],
      imageSize: 16,
      ingest: { emptyFraction: 0 },
    },
    path.join(dir, 'optidel.json'),
  );
  const ctx = recordingContext();
  await ingestPool(loaded, path.join(dir, 'run'), ctx);
  const cache = await openCache(path.join(dir, 'run'));
  try {
    // What the benchmark looks for in the pool: every image of the data set (each is tested at some seed).
    const [ds] = await allImagesOf(loaded, ['zoo']);
    assert.equal(ds.test.count, 6);
    const overlap = await testImagesInPool(cache, [ds]);
    assert.deepEqual(overlap.map((o) => [path.basename(o.test), path.basename(o.poolSource)]).sort(), [
      ['ant.png', 'copy-of-ant.png'],
      ['bee.png', 'copy-of-bee.png'],
    ]);
    const excluded = new Set(overlap.map((o) => o.poolId));
    const other = (await cache.provenance()).find((s) => s.source.endsWith('other.png'))!.id;
    assert.deepEqual(poolIds(cache.size, excluded), [other], "only the pool's own image is left to pre-train on");
    // A benchmark splits once per seed: each seed's report lists the images of the pool that it tests.
    const splits = new Map([
      [0, [ds]],
      [1, [onlyTestImages(ds, (name) => /ant|cat/.test(name))]],
      [2, [onlyTestImages(ds, (name) => !/ant|bee/.test(name))]],
    ]);
    await writeSplitReports(path.join(dir, 'run', 'bench'), splits, overlap, ctx);
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'bench', 'splits', 'zoo.json'), 'utf8'));
    assert.deepEqual(
      written.seeds.map((s: { seed: number; inPool: unknown[] }) => [s.seed, s.inPool.length]),
      [
        [0, 2],
        [1, 1],
        [2, 0],
      ],
    );
    assert.equal(written.seeds[2].split.dataset, 'zoo');
    assert.ok(
      ctx.logs.some((l) => /warn: bench: seed 1: 1 test image\(s\) of zoo are in the pre-training pool/.test(l)),
      ctx.logs.join('\n'),
    );
    assert.ok(!ctx.logs.some((l) => /seed 2: .* in the pre-training pool/.test(l)), 'seed 2 tests none of them');
  } finally {
    await cache.close();
  }
});

/** `ds` with only the test images whose file name passes `keep`. */
function onlyTestImages(ds: SegmentationDataset, keep: (name: string) => boolean): SegmentationDataset {
  const area = ds.imageSize ** 2;
  const kept = ds.test.provenance.flatMap((p, i) => (keep(p.source) ? [i] : []));
  const images = new Float32Array(kept.length * area);
  const labels = new Uint8Array(kept.length * area);
  kept.forEach((i, k) => {
    images.set(ds.test.images.subarray(i * area, (i + 1) * area), k * area);
    labels.set(ds.test.labels.subarray(i * area, (i + 1) * area), k * area);
  });
  return { ...ds, test: { count: kept.length, images, labels, provenance: kept.map((i) => ds.test.provenance[i]) } };
}
