// The benchmark's downstream splits do not leak: on the demo data (written by the project's own
// generator) no subject or frame sequence is in two splits at any seed, seeds 0 to 6 test every one
// exactly once (a grouped 7-fold), and a hand-built data set with one image copied under another
// name is refused with both names.
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
import { loadSplitsPerSeed } from '../../../src/engine/bench/seedSplits';
import { foldCoverage } from '../../../src/engine/bench/splitReports';
import { recordingContext } from '../data/context';

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
test(
  'splits of the small demo put no subject and no frame sequence in two splits, and seeds 0 to 6 test each once',
  { timeout: 300_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-splits-'));
    await writeDemoData(dir, { size: 'small', seed: 0 });
    const loaded = await loadConfig(path.join(dir, 'optidel.json'));
    const names = ['abdomen-ct', 'brain-mr', 'chest-xray'];
    // A test share of 0.15 makes 7 folds of 12 subjects or 8 patients; seed 7 begins the next shuffle.
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    const bySeed = await loadSplitsPerSeed(loaded, names, seeds, undefined, recordingContext());
    // The demo writes each CT and MR subject to a file of its own (12 at this size): a slice's subject is its file.
    // Chest X-ray: 8 sequences of 20 frames in one folder, matched as frame sequences by name.
    const acquisitionOf = (name: string) => (p: SegmentationDataset['train']['provenance'][number]) =>
      name === 'chest-xray' ? path.basename(p.source).replace(/-frame-\d+\.png$/, '') : path.basename(p.source);
    const expected: Record<string, number> = { 'abdomen-ct': 12, 'brain-mr': 12, 'chest-xray': 8 };
    for (const [k, name] of names.entries()) {
      const timesTested = new Map<string, number>();
      for (const seed of seeds) {
        const ds = bySeed.get(seed)![k];
        assert.equal(ds.name, name);
        const acquisitions = splitsPerAcquisition(ds, acquisitionOf(name));
        for (const [acquisition, splits] of acquisitions)
          assert.equal(splits.size, 1, `${name} seed ${seed}: ${acquisition} is in ${[...splits].join(' and ')}`);
        assert.equal(acquisitions.size, expected[name], `${name}: every acquisition is used`);
        assert.deepEqual(
          [ds.split.strategy, ds.split.acquisitions, ds.split.counts.guard, ds.split.fold, ds.split.folds],
          ['acquisitions', expected[name], 0, seed % 7, 7],
        );
        assert.equal(ds.split.seed, seed < 7 ? 0 : 104_729, `${name} seed ${seed}: partition seed`);
        assert.ok(ds.test.count > 0 && ds.val.count > 0);
        assert.ok(ds.split.max < NEAR_DUPLICATE_SIMILARITY && ds.split.nearest.length === ds.test.count);
        if (seed < 7)
          for (const [acquisition, splits] of acquisitions)
            if (splits.has('test')) timesTested.set(acquisition, (timesTested.get(acquisition) ?? 0) + 1);
      }
      assert.equal(
        timesTested.size,
        expected[name],
        `${name}: seeds 0 to 6 test ${[...timesTested.keys()].join(', ')}`,
      );
      assert.ok(
        [...timesTested.values()].every((n) => n === 1),
        `${name}: ${JSON.stringify([...timesTested])}`,
      );
    }
    // The report says how much of the cross-validation the seeds cover.
    const round = (n: number) =>
      `1 full round of its 7 folds (each tests every one of its ${n} acquisitions once), and 1 fold(s) of the next round`;
    assert.deepEqual(foldCoverage(bySeed), [
      `abdomen-ct: ${round(12)}`,
      `brain-mr: ${round(12)}`,
      `chest-xray: ${round(8)}`,
    ]);
    // Seeds 0 to 2 test three disjoint folds: 2 + 2 + 2 subjects, and 2 + 1 + 1 patients (8 in 7 folds).
    const firstThree = new Map([0, 1, 2].map((seed) => [seed, bySeed.get(seed)!]));
    assert.deepEqual(foldCoverage(firstThree), [
      'abdomen-ct: 3 of its 7 folds tested (6 of its 12 acquisitions); `--seeds 7` tests every one of its 12 acquisitions once',
      'brain-mr: 3 of its 7 folds tested (6 of its 12 acquisitions); `--seeds 7` tests every one of its 12 acquisitions once',
      'chest-xray: 3 of its 7 folds tested (4 of its 8 acquisitions); `--seeds 7` tests every one of its 8 acquisitions once',
    ]);
    // Seed 7 is fold 0 of another shuffle: not seed 0's test set again.
    assert.ok(
      names.some(
        (_, k) =>
          JSON.stringify(bySeed.get(7)![k].test.provenance) !== JSON.stringify(bySeed.get(0)![k].test.provenance),
      ),
      'seed 7 tests what seed 0 tested, on every data set',
    );
    // Seed 0 splits as optidel finetune does (with the config's seed), whatever that seed; config
    // seed 1's partition is its own.
    const reseeded = { ...loaded, config: { ...loaded.config, seed: 1 } };
    const bySeedOf1 = await loadSplitsPerSeed(reseeded, ['abdomen-ct'], [0], undefined, recordingContext());
    assert.equal(bySeedOf1.get(0)![0].split.seed, 1);
    for (const [config, splits] of [
      [loaded, bySeed],
      [reseeded, bySeedOf1],
    ] as const) {
      const finetuneSplit = await loadSegmentationDataset(config, 'abdomen-ct');
      assert.deepEqual(finetuneSplit.test.provenance, splits.get(0)![0].test.provenance);
    }
  },
);

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
