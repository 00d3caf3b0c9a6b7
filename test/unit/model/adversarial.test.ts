import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { adversarialAugment } from '../../../src/engine/model/adversarial';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { syntheticImages, useWasm } from './helpers';

test('adversarial samples are harder for the model and stay within epsilon and [0, 1]', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 4);
  const count = 6;
  const original = syntheticImages(count, 16, 3);
  const epsilon = 0.03;
  const before = tf.memory().numTensors;
  const adversarial = await adversarialAugment(model, original, count, {
    epsilon,
    steps: 4,
    stepSize: 0.01,
    seed: 1,
    batchSize: 4,
  });
  assert.equal(tf.memory().numTensors, before);
  let maxChange = 0;
  for (let i = 0; i < original.length; i++) {
    maxChange = Math.max(maxChange, Math.abs(adversarial[i] - original[i]));
    assert.ok(adversarial[i] >= 0 && adversarial[i] <= 1, `pixel ${i} = ${adversarial[i]} is outside [0, 1]`);
  }
  assert.ok(maxChange <= epsilon + 1e-6, `largest change ${maxChange} exceeds epsilon ${epsilon}`);
  assert.ok(maxChange > epsilon / 2, 'the images were perturbed');
  // Judged with masks other than the ones the ascent used: the images are harder, not just that mask.
  const errors = (pixels: Float32Array): number[] =>
    tf.tidy(() =>
      Array.from(model.reconstructionError(tf.tensor4d(pixels, [count, 16, 16, 1]), { masks: 4, seed: 99 }).dataSync()),
    );
  const plain = errors(original);
  const hard = errors(adversarial);
  const harder = hard.filter((e, i) => e > plain[i]).length;
  assert.ok(
    harder >= count - 1,
    `only ${harder} of ${count} samples got harder (${plain.map((p, i) => `${p.toFixed(3)}->${hard[i].toFixed(3)}`).join(', ')})`,
  );
  model.dispose();
});
