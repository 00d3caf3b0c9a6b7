// The benchmark's downstream splits do not leak: on the demo data (written by the project's own
// generator) no subject or frame sequence is in two splits, and a hand-built data set with one
// image copied under another name is refused with both names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadConfig, parseConfig } from '../../../src/engine/config/loadConfig';
import { writeDemoData } from '../../../src/engine/data/demo';
import { loadSegmentationDataset, type SegmentationDataset } from '../../../src/engine/data/segmentation';
import { NEAR_DUPLICATE_SIMILARITY } from '../../../src/engine/data/splitReport';

const SPLITS = ['train', 'val', 'test'] as const;

/** Split names in which each acquisition (as `acquisitionOf` names it) has samples. */
function splitsPerAcquisition(
  ds: SegmentationDataset,
  acquisitionOf: (p: SegmentationDataset['train']['provenance'][number]) => string,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const split of SPLITS)
    for (const p of ds[split].provenance)
      out.set(acquisitionOf(p), (out.get(acquisitionOf(p)) ?? new Set()).add(split));
  return out;
}

// Writing the small demo (its pool too) takes about a minute on a loaded 2-core machine.
test('splits of the small demo put no subject and no frame sequence in two splits', { timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-splits-'));
  await writeDemoData(dir, { size: 'small', seed: 0 });
  const loaded = await loadConfig(path.join(dir, 'optidel.json'));
  // The demo writes each CT and MR subject to a file of its own (12 at this size): a slice's subject is its file.
  for (const name of ['abdomen-ct', 'brain-mr']) {
    const ds = await loadSegmentationDataset(loaded, name, { seed: 0 });
    const subjects = splitsPerAcquisition(ds, (p) => path.basename(p.source));
    for (const [subject, splits] of subjects)
      assert.equal(splits.size, 1, `${name} ${subject} is in ${[...splits].join(' and ')}`);
    assert.equal(subjects.size, 12, `${name}: every subject is used`);
    assert.deepEqual([ds.split.strategy, ds.split.acquisitions, ds.split.counts.guard], ['acquisitions', 12, 0]);
    assert.ok(ds.test.count > 0 && ds.val.count > 0);
    assert.ok(ds.split.max < NEAR_DUPLICATE_SIMILARITY && ds.split.nearest.length === ds.test.count);
  }
  // Chest X-ray: 8 sequences of 20 frames in one folder, matched as frame sequences by name.
  const chest = await loadSegmentationDataset(loaded, 'chest-xray', { seed: 0 });
  const sequences = splitsPerAcquisition(chest, (p) => path.basename(p.source).replace(/-frame-\d+\.png$/, ''));
  assert.equal(sequences.size, 8);
  for (const [sequence, splits] of sequences)
    assert.equal(splits.size, 1, `${sequence} is in ${[...splits].join(' and ')}`);
  assert.deepEqual([chest.split.strategy, chest.split.acquisitions, chest.split.counts.guard], ['acquisitions', 8, 0]);
  assert.ok(chest.test.count > 0 && chest.val.count > 0);
});

/** A 16 px image of seeded noise and a label map thresholding it. */
async function writePair(dir: string, name: string, seed: number): Promise<void> {
  const pixels = Buffer.alloc(16 * 16);
  let state = seed * 7919 + 1;
  for (let i = 0; i < pixels.length; i++) pixels[i] = (state = (state * 48271) % 2147483647) % 256;
  const labels = Buffer.from(pixels.map((v) => (v > 128 ? 1 : 0)));
  const raw = { raw: { width: 16, height: 16, channels: 1 as const } };
  await sharp(pixels, raw)
    .png()
    .toFile(path.join(dir, 'images', `${name}.png`));
  await sharp(labels, raw)
    .png()
    .toFile(path.join(dir, 'labels', `${name}.png`));
}

test('a data set with an image copied across train and test is refused, naming both images and the fix', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-leak-'));
  fs.mkdirSync(path.join(dir, 'images'));
  fs.mkdirSync(path.join(dir, 'labels'));
  // Four pictures, each saved under three names without numbers (so every file is its own acquisition).
  const pictures = ['alpha', 'bravo', 'delta', 'kilo'];
  for (const [k, picture] of pictures.entries())
    for (const copy of ['one', 'two', 'six']) await writePair(dir, `${picture}-${copy}`, k + 1);
  const downstream = [{ name: 'leaky', images: 'images', labels: 'labels' }];
  const loaded = parseConfig(
    { pool: ['unused'], downstream, imageSize: 16, ingest: { emptyFraction: 0 } },
    path.join(dir, 'optidel.json'),
  );
  const error = await loadSegmentationDataset(loaded, 'leaky', { seed: 0 }).then(
    () => undefined,
    (err: Error) => err,
  );
  assert.ok(error, 'the leaky split must be refused');
  const match =
    /test image images\/(\w+)-(\w+)\.png is nearly identical to training image images\/(\w+)-(\w+)\.png \(similarity 1\.0000/.exec(
      error.message,
    );
  assert.ok(match, error.message);
  assert.equal(match[1], match[3], 'the two named images are copies of one picture');
  assert.notEqual(match[2], match[4], 'under two names');
  assert.match(error.message, /optidel\.json: downstream "leaky".*"acquisition"/);
  // Naming the acquisition (the picture) puts the copies together, and the split is accepted.
  const grouped = parseConfig(
    {
      pool: ['unused'],
      downstream: [{ ...downstream[0], acquisition: '^(\\w+)-' }],
      imageSize: 16,
      ingest: { emptyFraction: 0 },
    },
    path.join(dir, 'optidel.json'),
  );
  const ds = await loadSegmentationDataset(grouped, 'leaky', { seed: 0 });
  assert.equal(ds.split.acquisitions, 4);
  assert.ok(ds.split.max < NEAR_DUPLICATE_SIMILARITY, `${ds.split.max}`);
});
