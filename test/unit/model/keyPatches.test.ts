import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CacheSample } from '../../../src/shared/artifacts';
import { proposeWindows } from '../../../src/engine/model/keyPatches';
import { readUserPatches } from '../../../src/engine/model/userPatches';

const SIZE = 32;
const GRID = 8;

/** An image whose right half is bright foreground, the left half empty. */
function halfImage(): Float32Array {
  const pixels = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = SIZE / 2; x < SIZE; x++) pixels[y * SIZE + x] = 0.8;
  return pixels;
}

test('our windows are half the image side, on the highest foreground error, and do not overlap', () => {
  const errors = new Float32Array(GRID * GRID).fill(1);
  errors[0] = 50; // high error but in the empty background: must not attract a window
  errors[2 * GRID + 6] = 10; // foreground hot spot (row 2, column 6)
  const boxes = proposeWindows(halfImage(), errors, SIZE, GRID, { perImage: 2, windowFraction: 0.5 });
  assert.equal(boxes.length, 2);
  for (const [x, y, w, h] of boxes) {
    assert.deepEqual([w, h], [16, 16]);
    assert.ok(x >= 0 && y >= 0 && x + w <= SIZE && y + h <= SIZE);
  }
  const [first, second] = boxes;
  assert.ok(
    first[0] <= 24 && first[0] + 16 > 24 && first[1] <= 8 && first[1] + 16 > 8,
    `the first window ${first} covers the hot spot`,
  );
  assert.ok(first[0] >= 16, 'the first window lies in the foreground half');
  const overlapX = Math.max(0, Math.min(first[0] + 16, second[0] + 16) - Math.max(first[0], second[0]));
  const overlapY = Math.max(0, Math.min(first[1] + 16, second[1] + 16) - Math.max(first[1], second[1]));
  assert.equal(overlapX * overlapY, 0);
});

test('a signed difficulty map (pvi): the hot spot still draws the window, negative patches do not push it into the background', () => {
  const errors = new Float32Array(GRID * GRID).fill(-0.5); // learned content: easier than the input-free guess
  errors[5 * GRID + 5] = 0.3; // the one patch the model does worse on (row 5, column 5)
  const [first] = proposeWindows(halfImage(), errors, SIZE, GRID, { perImage: 1, windowFraction: 0.5 });
  assert.ok(
    first[0] <= 20 && first[0] + 16 > 20 && first[1] <= 20 && first[1] + 16 > 20,
    `the window ${first} covers the hot spot`,
  );
});

test('user boxes map from original pixels, fractions or cache pixels; bad entries are skipped with the reason', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-userpatches-'));
  const samples: CacheSample[] = [
    {
      id: 0,
      shard: 0,
      offset: 0,
      source: path.join(dir, 'scans', 'ct.nii.gz'),
      axis: 2,
      slice: 4,
      originalSize: [64, 32],
      intensity: 'ct',
    },
    {
      id: 1,
      shard: 0,
      offset: 1,
      source: path.join(dir, 'scans', 'ct.nii.gz'),
      axis: 2,
      slice: 5,
      originalSize: [64, 32],
      intensity: 'ct',
    },
    { id: 2, shard: 0, offset: 2, source: '/elsewhere/images/a.png', originalSize: [32, 32], intensity: '8-bit' },
  ];
  const file = path.join(dir, 'key-patches.user.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      patches: [
        { source: 'scans/ct.nii.gz', axis: 2, slice: 5, box: [0, 0, 32, 16] }, // 64x32 lands as 32x16 at top 8
        { source: 'images/a.png', box: [0.25, 0.25, 0.5, 0.5], units: 'fraction' }, // matched by path suffix
        { sampleId: 0, box: [4, 4, 8, 8], units: 'cache' },
        { source: 'scans/ct.nii.gz', slice: 99, box: [0, 0, 8, 8] },
        { source: 'scans/ct.nii.gz', slice: 4, box: [100, 100, 8, 8] },
        { box: [0, 0, 8, 8] },
      ],
    }),
  );
  const { boxes, skipped } = await readUserPatches(file, samples, SIZE);
  assert.deepEqual(boxes, [
    { sampleId: 1, box: [0, 8, 16, 8] },
    { sampleId: 2, box: [8, 8, 16, 16] },
    { sampleId: 0, box: [4, 4, 8, 8] },
  ]);
  assert.deepEqual(
    skipped.map((s) => s.path.replace(file, 'F')),
    ['F patches[3]', 'F patches[4]', 'F patches[5]'],
  );
  assert.match(skipped[0].reason, /matches no sample/);
  assert.match(skipped[1].reason, /outside the image/);
  assert.match(skipped[2].reason, /needs "source"/);
  fs.writeFileSync(file, '{"patches": []}');
  await assert.rejects(readUserPatches(file, samples, SIZE), /expected \{ "version": 1/);
});
