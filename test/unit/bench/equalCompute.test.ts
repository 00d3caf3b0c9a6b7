// `optidel train` takes its steps from the foundation run it is compared with, and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equalComputeSettings } from '../../../src/engine/pipeline/trainStage';

const foundation = {
  dir: 'run/checkpoints/pretrain/step-0000600',
  step: 600,
  options: { steps: 600, batchSize: 16, lr: 6e-4 },
};

test("train takes the foundation checkpoint's steps and batch size, and the log says so", () => {
  const taken = equalComputeSettings(foundation, {});
  assert.deepEqual([taken.steps, taken.batchSize], [600, 16]);
  assert.match(
    taken.note,
    /^equal compute: the foundation checkpoint run\/checkpoints\/pretrain\/step-0000600 recorded 600 steps of 16/,
  );
  assert.match(equalComputeSettings({ ...foundation, step: 200 }, {}).note, /it has run 200 of them so far/);
});

test('other steps on the command line are used, with a warning that compute is no longer equal', () => {
  const asked = equalComputeSettings(foundation, { steps: 100 });
  assert.deepEqual([asked.steps, asked.batchSize], [100, 16]);
  assert.match(asked.note, /^NOT equal compute: .* the command line asks 100 of 16/);
  assert.match(
    equalComputeSettings(foundation, { steps: 600, batchSize: 16 }).note,
    /^equal compute/,
    'the same numbers spelled out are still equal',
  );
  const none = equalComputeSettings(undefined, { steps: 50 });
  assert.equal(none.steps, 50);
  assert.match(none.note, /no foundation checkpoint/);
});
