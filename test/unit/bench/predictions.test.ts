// The predictions the segmentation view shows belong to the data set as it is now: when seed 0's
// test images change (another split, an edited label), the shown images, truth and every method's
// predictions are made again rather than mixed with the old ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { refreshPredictionIndex, writePredictions } from '../../../src/engine/bench/predictions';
import { squaresData } from '../downstream/fixtures';

const folder = (benchDir: string) => path.join(benchDir, 'predictions', 'squares');
const index = (benchDir: string) => JSON.parse(fs.readFileSync(path.join(folder(benchDir), 'index.json'), 'utf8'));

test('other test images with the same count start the predictions over: truth, images and runs', async () => {
  const benchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-predictions-'));
  const before = squaresData(16, [4, 2, 3], 1);
  await writePredictions(benchDir, before, 'random', 0, before.test.labels);
  await writePredictions(benchDir, before, 'scratch', 0, before.test.labels);
  const truth = () => fs.readFileSync(path.join(folder(benchDir), 'truth', '0.png'));
  const oldTruth = truth();
  const oldIndex = index(benchDir);
  assert.equal(oldIndex.runs.length, 2);

  // The same data again keeps everything.
  await writePredictions(benchDir, squaresData(16, [4, 2, 3], 1), 'scratch', 0, before.test.labels);
  assert.deepEqual(index(benchDir), oldIndex);

  const after = squaresData(16, [4, 2, 3], 2);
  await writePredictions(benchDir, after, 'scratch', 0, after.test.labels);
  assert.ok(!truth().equals(oldTruth), 'the truth shown is the new test image');
  const fresh = index(benchDir);
  assert.notEqual(fresh.data, oldIndex.data);
  assert.deepEqual(
    fresh.runs.map((r: { method: string }) => r.method),
    ['scratch'],
    "random's predictions were of the old images",
  );
  assert.ok(!fs.existsSync(path.join(folder(benchDir), 'random-seed0')));
});

test('a cell folder of another seed or another number of samples is removed when the index is refreshed', async () => {
  const benchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-predictions-'));
  const data = squaresData(16, [4, 2, 3], 1);
  await writePredictions(benchDir, data, 'scratch', 0, data.test.labels);
  const plant = (name: string, run: object) => {
    fs.mkdirSync(path.join(folder(benchDir), name));
    fs.writeFileSync(path.join(folder(benchDir), name, 'run.json'), JSON.stringify(run));
  };
  plant('scratch-seed1', { method: 'scratch', seed: 1, predictions: ['a', 'b', 'c'] });
  plant('kcenter-seed0', { method: 'kcenter', seed: 0, predictions: ['a'] });
  fs.mkdirSync(path.join(folder(benchDir), 'notes'));
  // A hostile shared run: a folder whose name is a path on Windows, with a stale-looking entry.
  plant('\\images', { method: 'x', seed: 3, predictions: [] });
  await refreshPredictionIndex(benchDir, 'squares');
  assert.deepEqual(
    fs.readdirSync(folder(benchDir)).sort(),
    ['\\images', 'images', 'index.json', 'notes', 'scratch-seed0', 'truth'],
    'a folder without a cell entry, or not named like a cell, is not ours to judge',
  );
  assert.deepEqual(
    index(benchDir).runs.map((r: { method: string; seed: number }) => `${r.method}/${r.seed}`),
    ['scratch/0'],
  );
});
