import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { pcaProject } from '../../../src/engine/model/projection';
import { scoreBoxes, scoreSamples } from '../../../src/engine/model/scoring';
import { memoryReader, syntheticImages, useWasm } from './helpers';

test('pool scores: shapes, batch-independent values, a whole-image key patch scores as its image, flat tensor count', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 2);
  const reader = memoryReader(syntheticImages(10, 16, 1), 16);
  const ids = Array.from({ length: 10 }, (_, i) => i);
  const before = tf.memory().numTensors;
  const a = await scoreSamples(model, reader, ids, { masks: 3, seed: 1, batchSize: 4 });
  const b = await scoreSamples(model, reader, ids, { masks: 3, seed: 1, batchSize: 7 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(a.embeddings.length, 10 * 16);
  assert.equal(a.patchErrors.length, 10 * 16);
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(a.difficulty[i] - b.difficulty[i]) < 1e-5, 'a sample scores the same in any batch');
  assert.ok(a.difficulty.every((d) => d > 0 && Number.isFinite(d)));
  const patches = await scoreBoxes(model, reader, [{ id: 3, sampleId: 3, box: [0, 0, 16, 16] }, { id: 11, sampleId: 3, box: [4, 4, 8, 8] }], { masks: 3, seed: 1, batchSize: 8 });
  // A box covering the whole image crops to the image itself; with the same id it gets the same masks.
  assert.ok(Math.abs(patches[0] - a.difficulty[3]) < 1e-4, `whole-image patch ${patches[0]} vs sample ${a.difficulty[3]}`);
  assert.ok(patches[1] > 0 && Number.isFinite(patches[1]));
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('PCA projection recovers the dominant directions', () => {
  // Points spread along (1, 1, 0) far more than along (0, 0, 1).
  const n = 50;
  const points = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = i - n / 2;
    points.set([t + 5, t + 5, (i % 3) * 0.5], i * 3);
  }
  const projected = pcaProject(points, 3);
  for (let i = 1; i < n; i++) assert.ok(Math.abs(projected[i * 2] - projected[(i - 1) * 2] - Math.SQRT2) < 1e-3, 'first axis is the spread direction');
  const second = Array.from({ length: n }, (_, i) => projected[i * 2 + 1]);
  assert.ok(Math.max(...second) - Math.min(...second) < 1.1);
});
