import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDataDigests, dataDigestList, labelledDataDigest } from '../../../src/engine/bench/dataDigest';
import { squaresData } from '../downstream/fixtures';

test("a worker goes on with its parent's data and refuses other data, naming the data set and seed", () => {
  const parent = new Map([
    [0, [squaresData(16, [8, 4, 4], 1)]],
    [1, [squaresData(16, [8, 4, 4], 2)]],
  ]);
  const expected = dataDigestList(parent);
  assert.deepEqual(expected, [
    `${labelledDataDigest(parent.get(0)![0])}:0:squares`,
    `${labelledDataDigest(parent.get(1)![0])}:1:squares`,
  ]);
  // The worker decodes the same files again: new arrays, the same bytes.
  const same = new Map([
    [0, [squaresData(16, [8, 4, 4], 1)]],
    [1, [squaresData(16, [8, 4, 4], 2)]],
  ]);
  checkDataDigests(same, expected);
  // A label edited between the parent's load and the worker's, seen in seed 1's split only.
  const edited = squaresData(16, [8, 4, 4], 2);
  edited.test.labels[0] = 1 - edited.test.labels[0];
  assert.throws(
    () => checkDataDigests(new Map([...same].map(([s, d]) => [s, s === 1 ? [edited] : d])), expected),
    /squares \(seed 1\) changed after the bench started/,
  );
  // The config's data set renamed meanwhile: the worker never loaded the one its parent names.
  const renamed = new Map([...same].map(([s, d]) => [s, d.map((x) => ({ ...x, name: 'squares-v2' }))]));
  assert.throws(
    () => checkDataDigests(renamed, expected),
    /squares \(seed 0\) is not among the data sets this engine loaded/,
  );
});
