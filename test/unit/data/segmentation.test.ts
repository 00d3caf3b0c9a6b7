/** Segmentation datasets: label alignment after resize, mismatch handling, classes, deterministic slab splits. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseConfig } from '../../../src/engine/config/loadConfig';
import { assignSplits, loadSegmentationDataset } from '../../../src/engine/data/segmentation';
import { independentFixtures } from './independentFixtures';

function config(downstream: object[], imageSize = 16) {
  return parseConfig({ pool: ['unused'], downstream, imageSize, ingest: { emptyFraction: 0, intensity: { mode: 'minmax' } } }, path.join(independentFixtures(), 'optidel.json'));
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
  const loaded = config([{ name: 'flat', images: 'seg2d/images', labels: 'seg2d/labels', classes: ['background', 'right'] }], 12);
  const ds = await loadSegmentationDataset(loaded, 'flat', { fractions: [1, 0, 0] });
  assert.deepEqual(ds.classes, ['background', 'right']);
  assert.equal(ds.train.count, 1);
  // 12 x 8 into 12 x 12: rows 2..9 hold the image; label 1 in columns 6..11.
  assert.equal(ds.train.labels[5 * 12 + 5], 0);
  assert.equal(ds.train.labels[5 * 12 + 6], 1);
  assert.equal(ds.train.labels[0], 0);
});

test('an unknown data set name lists the known ones', async () => {
  await assert.rejects(loadSegmentationDataset(config([{ name: 'vol', images: 'seg_image.nii.gz', labels: 'seg_label.nii.gz' }]), 'nope'), /no downstream data set named "nope"; known: vol/);
});

test('splits are contiguous slabs, deterministic for a seed, with guards between splits', () => {
  const items = [...Array.from({ length: 60 }, () => ({ group: 'a' })), ...Array.from({ length: 40 }, () => ({ group: 'b' }))];
  const a = assignSplits(items, [0.7, 0.15, 0.15], 5);
  assert.deepEqual(a, assignSplits(items, [0.7, 0.15, 0.15], 5));
  assert.notDeepEqual(a, assignSplits(items, [0.7, 0.15, 0.15], 6));
  const counts = [0, 1, 2].map((s) => a.filter((v) => v === s).length);
  assert.ok(counts.every((c) => c > 0), `${counts}`);
  assert.ok(Math.abs(counts[0] - 70) <= 12, `${counts}`);
  // No two neighbours (same group) sit in two different splits: a guard (-1) separates them.
  for (let i = 1; i < items.length; i++) {
    if (items[i].group !== items[i - 1].group || a[i] < 0 || a[i - 1] < 0) continue;
    assert.equal(a[i], a[i - 1], `neighbours ${i - 1} and ${i}`);
  }
});
