/** Segmentation datasets: label alignment after resize, mismatch handling, classes, leak-free splits. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../../src/engine/config/loadConfig';
import { loadSegmentationDataset } from '../../../src/engine/data/segmentation';
import { acquisitionKey, assignSplits, foldCount, guardBand } from '../../../src/engine/data/splits';
import { independentFixtures } from './independentFixtures';

function config(downstream: object[], imageSize = 16) {
  return parseConfig(
    { pool: ['unused'], downstream, imageSize, ingest: { emptyFraction: 0, intensity: { mode: 'minmax' } } },
    path.join(independentFixtures(), 'optidel.json'),
  );
}

test('labels stay aligned with the image after resize (nearest neighbour, same placement)', async () => {
  const loaded = config([{ name: 'vol', images: 'seg_image.nii.gz', labels: 'seg_label.nii.gz' }]);
  const ds = await loadSegmentationDataset(loaded, 'vol', { fractions: [1, 0, 0] });
  assert.deepEqual(ds.classes, ['background', 'class 1', 'class 2']);
  assert.equal(ds.train.count, 4);
  // 8 x 6 into 16 x 16: content 16 x 12 from row 2; label 1 where x >= 4 (right half), 2 on y = 0 (bottom row, posterior).
  const labels = ds.train.labels.subarray(0, 256);
  const at = (row: number, col: number) => labels[row * 16 + col];
  assert.equal(at(0, 0), 0); // padding
  assert.equal(at(2, 3), 0);
  assert.equal(at(2, 12), 1);
  assert.equal(at(13, 3), 2);
  assert.equal(at(13, 12), 2);
  assert.ok(new Set(labels).size === 3 && [...labels].every((v) => v <= 2));
  const image = ds.train.images.subarray(0, 256);
  assert.ok(image[2 * 16 + 15] > image[2 * 16], 'intensity grows with x: the image is not mirrored against its labels');
});

test('a label map whose size does not match its image is skipped with a reason', async () => {
  const loaded = config([{ name: 'bad', images: 'seg_image.nii.gz', labels: 'seg_label_bad.nii' }]);
  await assert.rejects(loadSegmentationDataset(loaded, 'bad'), /no usable labelled samples.*7x6x4, the image is 8x6x4/);
});

test('2D folders are matched by name and declared classes name the values', async () => {
  const loaded = config(
    [{ name: 'flat', images: 'seg2d/images', labels: 'seg2d/labels', classes: ['background', 'right'] }],
    12,
  );
  const ds = await loadSegmentationDataset(loaded, 'flat', { fractions: [1, 0, 0] });
  assert.deepEqual(ds.classes, ['background', 'right']);
  assert.equal(ds.train.count, 1);
  // 12 x 8 into 12 x 12: rows 2..9 hold the image; label 1 in columns 6..11.
  assert.equal(ds.train.labels[5 * 12 + 5], 0);
  assert.equal(ds.train.labels[5 * 12 + 6], 1);
  assert.equal(ds.train.labels[0], 0);
});

test('an unknown data set name lists the known ones', async () => {
  await assert.rejects(
    loadSegmentationDataset(config([{ name: 'vol', images: 'seg_image.nii.gz', labels: 'seg_label.nii.gz' }]), 'nope'),
    /no downstream data set named "nope"; known: vol/,
  );
});

test('one acquisition is cut in contiguous thirds, with a guard band on each side of every cut', () => {
  const items = Array.from({ length: 100 }, () => ({ acquisition: 'volume:a' }));
  const plan = assignSplits(items, [0.7, 0.15, 0.15], 5);
  assert.deepEqual(plan, assignSplits(items, [0.7, 0.15, 0.15], 5));
  assert.equal(plan.strategy, 'thirds');
  assert.equal(plan.guardPerSide, guardBand(100));
  assert.equal(guardBand(100), 5);
  const a = [...plan.assignment];
  const counts = [0, 1, 2].map((s) => a.filter((v) => v === s).length);
  assert.ok(
    counts.every((c) => c >= 33 - 10),
    `${counts}`,
  );
  // Each split is one run, and samples of different splits are more than two guard bands apart.
  for (const s of [0, 1, 2]) {
    const at = a.flatMap((v, i) => (v === s ? [i] : []));
    assert.equal(at[at.length - 1] - at[0] + 1, at.length, `split ${s} is contiguous`);
    for (const t of [0, 1, 2].filter((t) => t !== s))
      for (const i of at) for (let d = 1; d <= 2 * 5; d++) assert.notEqual(a[i + d], t, `${i} and ${i + d}`);
  }
  assert.deepEqual(
    [...assignSplits(items, [1, 0, 0], 5).assignment],
    a.map(() => 0),
    'all shares in train: no cut, nothing dropped',
  );
});

test('three acquisitions or more go whole to the splits', () => {
  const items = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].flatMap((p, k) =>
    Array.from({ length: 10 + k }, () => ({ acquisition: p })),
  );
  const plan = assignSplits(items, [0.7, 0.15, 0.15], 1);
  assert.equal(plan.strategy, 'acquisitions');
  const splitsOf = new Map<string, Set<number>>();
  items.forEach((item, i) =>
    splitsOf.set(item.acquisition, (splitsOf.get(item.acquisition) ?? new Set()).add(plan.assignment[i])),
  );
  for (const [p, splits] of splitsOf) assert.equal(splits.size, 1, `${p} is in splits ${[...splits]}`);
  assert.deepEqual(new Set([...plan.assignment]), new Set([0, 1, 2]));
});

/** Acquisitions of `items` in split `split` (0 train, 1 val, 2 test) of `assignment`, sorted. */
function acquisitionsIn(items: ReadonlyArray<{ acquisition: string }>, assignment: Int8Array, split: number): string[] {
  return [...new Set(items.filter((_, i) => assignment[i] === split).map((item) => item.acquisition))].sort();
}

test('folds 0 to k-1 test every acquisition exactly once, and fold k starts a new shuffle', () => {
  // 12 subjects of 40 to 62 slices, like the demo's CT: a test share of 0.15 gives 7 folds.
  const subjects = Array.from({ length: 12 }, (_, k) => `subject-${k}`);
  const items = subjects.flatMap((p, k) => Array.from({ length: 40 + 2 * k }, () => ({ acquisition: p })));
  const fractions: [number, number, number] = [0.7, 0.15, 0.15];
  assert.equal(foldCount(12, fractions), 7);
  const plans = Array.from({ length: 7 }, (_, fold) => assignSplits(items, fractions, 4, fold));
  const tested = plans.map((plan) => acquisitionsIn(items, plan.assignment, 2));
  assert.deepEqual(tested.flat().sort(), [...subjects].sort(), `tested by fold: ${JSON.stringify(tested)}`);
  for (const [fold, plan] of plans.entries()) {
    assert.deepEqual([plan.seed, plan.fold, plan.folds, plan.strategy], [4, fold, 7, 'acquisitions']);
    const [train, val, test] = [0, 1, 2].map((split) => acquisitionsIn(items, plan.assignment, split));
    assert.ok(train.length > 0 && val.length > 0 && test.length > 0, `fold ${fold}`);
    assert.equal(train.length + val.length + test.length, 12, `fold ${fold}: no acquisition in two splits`);
    assert.equal(new Set([...train, ...val, ...test]).size, 12, `fold ${fold}: every acquisition in a split`);
    assert.ok(!plan.assignment.includes(-1), 'whole acquisitions drop nothing');
  }
  // Folds are dealt by samples: no fold's test set exceeds another's by more than one acquisition (62 slices).
  const testSizes = plans.map((plan) => plan.assignment.filter((v) => v === 2).length);
  assert.ok(Math.max(...testSizes) - Math.min(...testSizes) <= 62, `${testSizes}`);
  // Validation follows the shares among the rest: about 15% of the whole.
  for (const plan of plans) {
    const val = plan.assignment.filter((v) => v === 1).length;
    assert.ok(val >= 40 && val <= 0.15 * items.length + 62, `validation ${val} of ${items.length}`);
  }
  // Fold 7 is fold 0 of the next partition: another shuffle, deterministic.
  const next = assignSplits(items, fractions, 4, 7);
  assert.deepEqual([next.fold, next.folds], [0, 7]);
  assert.notEqual(next.seed, 4);
  assert.deepEqual(next, assignSplits(items, fractions, next.seed, 0));
  assert.notDeepEqual([...next.assignment], [...plans[0].assignment]);
  assert.throws(() => assignSplits(items, fractions, 4, -1), /fold must be a whole number >= 0, got -1/);
});

test('fold counts follow the test share, leave the other splits something, and never exceed the acquisitions', () => {
  assert.equal(foldCount(12, [0.7, 0.15, 0.15]), 7);
  assert.equal(foldCount(5, [0.7, 0.15, 0.15]), 5);
  assert.equal(foldCount(3, [0.7, 0.15, 0.15]), 3);
  assert.equal(foldCount(12, [0.25, 0.25, 0.5]), 3, 'train and validation both need a fold of their own');
  assert.equal(foldCount(12, [0.5, 0, 0.5]), 2);
  assert.equal(foldCount(12, [0, 0, 1]), 1, 'all test');
  assert.equal(foldCount(12, [1, 0, 0]), 1, 'nothing tested');
  // With the test share at 0 no fold is tested, and a validation share of 0 gets nothing.
  const items = ['a', 'b', 'c', 'd'].flatMap((p) => Array.from({ length: 5 }, () => ({ acquisition: p })));
  assert.deepEqual(new Set(assignSplits(items, [0.8, 0.2, 0], 1, 3).assignment), new Set([0, 1]));
  assert.deepEqual(new Set(assignSplits(items, [0.5, 0, 0.5], 1, 1).assignment), new Set([0, 2]));
  assert.deepEqual(new Set(assignSplits(items, [0, 0, 1], 1).assignment), new Set([2]));
});

/** Items of acquisitions `a0`, `a1`, ... of the given sizes. */
function ofSizes(sizes: readonly number[]): Array<{ acquisition: string }> {
  return sizes.flatMap((n, k) => Array.from({ length: n }, () => ({ acquisition: `a${k}` })));
}

/** Samples per split (train, val, test) of a plan. */
function splitCounts(assignment: Int8Array): number[] {
  return [0, 1, 2].map((split) => assignment.filter((v) => v === split).length);
}

test('a validation share smaller than one acquisition is never handed a large one', () => {
  const fractions: [number, number, number] = [0.7, 0.15, 0.15];
  // One long series among short ones, and three acquisitions of which one is 20 times the others.
  // And acquisitions where the one that fits validation may come first in the shuffle (train used
  // to take it, leaving validation the largest).
  for (const sizes of [
    [1000, ...Array<number>(11).fill(10)],
    [100, 5, 5],
    [400, 300, 200, 100],
    [530, 160, 160, 150],
  ]) {
    const items = ofSizes(sizes);
    for (let seed = 0; seed < 20; seed++) {
      for (let fold = 0; fold < foldCount(sizes.length, fractions); fold++) {
        const plan = assignSplits(items, fractions, seed, fold);
        const [train, val, test] = splitCounts(plan.assignment);
        const where = `sizes ${sizes}, seed ${seed}, fold ${fold}: ${train}/${val}/${test}`;
        assert.ok(train > 0 && val > 0 && test > 0, where);
        assert.ok(val <= train, `${where}: validation is larger than train`);
        assert.ok(plan.assignment[0] !== 1, `${where}: the largest acquisition is in validation`);
        if (plan.assignment[0] !== 2) assert.equal(plan.assignment[0], 0, where);
      }
    }
  }
});

test('an acquisition that would overshoot the split furthest below its share goes where the splits end nearest their shares', () => {
  // Validation (target 122 of 488) holds 66 and train 191 (target 244) when the 221 comes: by
  // absolute deficit (56 against 53) validation took it and ended at 287, more than twice its share.
  const sizes = [7, 221, 191, 66, 3];
  const plan = assignSplits(ofSizes(sizes), [0.5, 0.25, 0.25], 4, 4);
  assert.deepEqual(splitCounts(plan.assignment), [412, 66, 10]);
});

test('whatever the acquisition sizes, every split with a share gets one, and validation outgrows train only within its share', () => {
  let state = 7;
  const random = () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
  for (let trial = 0; trial < 300; trial++) {
    const sizes = Array.from({ length: 3 + Math.floor(random() * 12) }, () => 1 + Math.floor(random() ** 3 * 300));
    const fractions: [number, number, number] = trial % 2 ? [0.7, 0.15, 0.15] : [0.6, 0.1, 0.3];
    const fold = trial % foldCount(sizes.length, fractions);
    const counts = splitCounts(assignSplits(ofSizes(sizes), fractions, trial, fold).assignment);
    const where = `sizes ${sizes}, shares ${fractions}, fold ${fold}: ${counts}`;
    assert.ok(
      counts.every((c) => c > 0),
      where,
    );
    // A test fold holding most samples can leave train below validation's share; never more.
    const validationTarget = fractions[1] * sizes.reduce((a, b) => a + b, 0);
    assert.ok(counts[1] <= counts[0] || counts[1] <= validationTarget, `${where}: validation past its share and train`);
  }
});

test('with one acquisition, folds 0 to 2 test each third once', () => {
  const items = Array.from({ length: 90 }, () => ({ acquisition: 'volume:a' }));
  const testedAt = [0, 1, 2].map((fold) => {
    const plan = assignSplits(items, [0.7, 0.15, 0.15], 9, fold);
    assert.deepEqual([plan.fold, plan.folds, plan.seed], [fold, 3, 9]);
    const at = [...plan.assignment].flatMap((v, i) => (v === 2 ? [i] : []));
    return Math.floor(at[0] / 30);
  });
  assert.deepEqual([...testedAt].sort(), [0, 1, 2]);
  assert.equal(assignSplits(items, [0.7, 0.15, 0.15], 9, 3).seed, 9 + 104_729, 'fold 3 turns a new arrangement');
});

test("acquisitions: the user's group, a volume, a numbered frame sequence", () => {
  assert.equal(
    acquisitionKey('case-00-frame-003.png', { volume: false }),
    acquisitionKey('case-00-frame-017.png', { volume: false }),
  );
  assert.notEqual(
    acquisitionKey('case-00-frame-003.png', { volume: false }),
    acquisitionKey('case-01-frame-003.png', { volume: false }),
  );
  assert.notEqual(acquisitionKey('a/img1.png', { volume: false }), acquisitionKey('b/img1.png', { volume: false }));
  assert.notEqual(acquisitionKey('s1.nii.gz', { volume: true }), acquisitionKey('s2.nii.gz', { volume: true }));
  const pattern = /patient-(\d+)/;
  assert.equal(
    acquisitionKey('patient-7/ct.nii.gz', { pattern, volume: true }),
    acquisitionKey('patient-7/mr.nii.gz', { pattern, volume: true }),
  );
});

test('an nnU-Net v2 dataset.json is used as it lies: cases paired, classes named, extra channels reported', async () => {
  const loaded = config([{ name: 'nn', dataset: 'nnunet/Dataset001_Two' }]);
  const ds = await loadSegmentationDataset(loaded, 'nn', { fractions: [1, 0, 0] });
  assert.deepEqual(ds.classes, ['background', 'right', 'front']);
  // Two cases of 4 axial slices each, every one labelled as seg_label.
  assert.equal(ds.train.count, 8);
  assert.deepEqual([...new Set(ds.train.provenance.map((p) => path.basename(p.source)))].sort(), [
    'case_a_0000.nii.gz',
    'case_b_0000.nii.gz',
  ]);
  assert.deepEqual(new Set(ds.train.labels), new Set([0, 1, 2]));
  assert.deepEqual(
    ds.skipped.map((s) => [path.basename(s.path), s.reason]),
    [['imagesTr', 'only channel 0 (CT) is used; 1 (PET) left out']],
  );
});

test('nnU-Net folders given as images and labels match CASE_0000 to CASE without renaming', async () => {
  const loaded = config([
    { name: 'nn', images: 'nnunet/Dataset001_Two/imagesTr', labels: 'nnunet/Dataset001_Two/labelsTr' },
  ]);
  const ds = await loadSegmentationDataset(loaded, 'nn', { fractions: [1, 0, 0] });
  assert.equal(ds.train.count, 8);
  assert.deepEqual(
    ds.skipped.map((s) => [path.basename(s.path), s.reason]),
    [['case_a_0001.nii.gz', 'channel 0001 of an nnU-Net case: only channel 0000 is used']],
  );
});

test('a Decathlon dataset.json: its training list, its labels, and entries outside its folder refused', async () => {
  const loaded = config([{ name: 'msd', dataset: 'msd/Task09_Two/dataset.json' }]);
  const ds = await loadSegmentationDataset(loaded, 'msd', { fractions: [1, 0, 0] });
  assert.deepEqual(ds.classes, ['background', 'right', 'front']);
  assert.deepEqual([...new Set(ds.train.provenance.map((p) => path.basename(p.source)))].sort(), [
    'one.nii.gz',
    'two_0000.nii.gz',
  ]);
  const json = path.join(independentFixtures(), 'msd/Task09_Two/dataset.json');
  assert.deepEqual(
    ds.skipped.map((s) => [s.path, s.reason]),
    [
      [
        json,
        'training[2].image names "../../seg_image.nii.gz", which is outside this file\'s folder; what it names must lie in that folder or below it',
      ],
      [json, 'training[3].image names ./imagesTr/gone.nii.gz, which does not exist'],
    ],
  );
});

test('a dataset that is no dataset.json is refused naming the file and what it should be', async () => {
  const loaded = config([{ name: 'bad', dataset: 'seg2d' }]);
  await assert.rejects(
    loadSegmentationDataset(loaded, 'bad'),
    /seg2d\/dataset\.json does not exist; name a Decathlon or nnU-Net dataset\.json/,
  );
});

test('an nnU-Net file_ending that is no extension is refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-nnunet-'));
  fs.mkdirSync(path.join(dir, 'labelsTr'));
  fs.writeFileSync(
    path.join(dir, 'dataset.json'),
    JSON.stringify({ channel_names: { 0: 'CT' }, file_ending: '/../x' }),
  );
  const loaded = config([{ name: 'nn', dataset: dir }]);
  await assert.rejects(loadSegmentationDataset(loaded, 'nn'), /file_ending "\/\.\.\/x" is not a file extension/);
});
