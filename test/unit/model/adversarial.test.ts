import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { adversarialAugment } from '../../../src/engine/model/adversarial';
import {
  applyIntensity,
  DEFAULT_PLAUSIBLE_BOUNDS,
  drawPlausible,
  identityPlausible,
  warpImage,
} from '../../../src/engine/generate/plausible';
import { SeededRandom } from '../../../src/engine/model/rng';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { syntheticImages, useWasm } from './helpers';

test('the L-infinity pixel step: harder for the model, within epsilon and [0, 1]', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 4);
  const count = 6;
  const original = syntheticImages(count, 16, 3);
  const epsilon = 0.03;
  const before = tf.memory().numTensors;
  const { pixels: adversarial } = await adversarialAugment(model, original, count, {
    candidates: 0,
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

const std = (values: Float32Array): number => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
};

test('plausible transforms stay within their bounds, and the identity changes nothing', () => {
  const size = 32;
  const random = new SeededRandom(3);
  const { maxGamma, maxContrast, maxWarp } = DEFAULT_PLAUSIBLE_BOUNDS;
  for (let k = 0; k < 500; k++) {
    const t = drawPlausible(random, size);
    assert.ok(t.gamma >= 1 / maxGamma - 1e-9 && t.gamma <= maxGamma + 1e-9, `gamma ${t.gamma}`);
    assert.ok(t.contrast >= 1 / maxContrast - 1e-9 && t.contrast <= maxContrast + 1e-9, `contrast ${t.contrast}`);
    for (const d of t.warp) assert.ok(Math.abs(d) <= maxWarp * size + 1e-6, `warp ${d} px`);
  }
  const image = syntheticImages(1, size, 5);
  const same = applyIntensity(warpImage(image, size, identityPlausible().warp), identityPlausible());
  assert.ok(
    same.every((v, i) => Math.abs(v - image[i]) < 1e-6),
    'the identity transform returns the image',
  );
  // A warp moves content by at most its bound: a one-pixel column shifted by a uniform warp lands within it.
  const line = new Float32Array(size * size);
  for (let y = 0; y < size; y++) line[y * size + 16] = 1;
  const shift = new Float32Array(32).map((_, i) => (i % 2 === 0 ? 1 : 0)); // dx = 1 px everywhere
  const moved = warpImage(line, size, shift);
  assert.ok(Math.abs(moved[5 * size + 15] - 1) < 1e-6, 'x = 15 samples x = 16');
  assert.ok(moved[5 * size + 16] < 1e-6);
});

test('plausible hardening: no image gets easier under the judging masks, and a flat image stays flat', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 4);
  const count = 6;
  const size = 16;
  const original = syntheticImages(count, size, 7);
  const flat = new Float32Array(size * size).fill(0.4);
  const images = new Float32Array([...original, ...flat]);
  const n = count + 1;
  const before = tf.memory().numTensors;
  const hardened = await adversarialAugment(model, images, n, {
    candidates: 6,
    steps: 0,
    epsilon: 0,
    stepSize: 0.01,
    seed: 2,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(hardened.notes.length, n);
  assert.ok(hardened.pixels.every((v) => v >= 0 && v <= 1));
  // The choice is judged with 2 masks keyed by (seed, image index): the chosen transform is at least as hard as none.
  const errors = (pixels: Float32Array): Float32Array =>
    tf.tidy(
      () =>
        model
          .reconstructionError(tf.tensor4d(pixels, [n, size, size, 1]), {
            masks: 2,
            seed: 2,
            ids: Array.from({ length: n }, (_, i) => i),
          })
          .dataSync() as Float32Array,
    );
  const plain = errors(images);
  const hard = errors(hardened.pixels);
  for (let i = 0; i < n; i++) assert.ok(hard[i] >= plain[i] - 1e-6, `image ${i}: ${plain[i]} -> ${hard[i]}`);
  assert.ok(
    hard.some((e, i) => e > plain[i] + 1e-4),
    'some image was made harder',
  );
  // What issue 15 found of the pixel step: on a flat image it is noise; plausible transforms keep it flat.
  const flatOut = hardened.pixels.subarray(count * size * size);
  assert.ok(std(flatOut) < 1e-3, `a flat image became textured (std ${std(flatOut)})`);
  const noisy = await adversarialAugment(model, flat, 1, {
    candidates: 0,
    steps: 3,
    epsilon: 0.03,
    stepSize: 0.01,
    seed: 2,
  });
  assert.ok(std(noisy.pixels) > 0.005, `the pixel step leaves a flat image flat (std ${std(noisy.pixels)})`);
  model.dispose();
});

test('gradient ascent on gamma and contrast keeps them within bounds and records them', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 4);
  const images = syntheticImages(4, 16, 9);
  const out = await adversarialAugment(model, images, 4, {
    candidates: 2,
    steps: 4,
    epsilon: 0,
    stepSize: 0.01,
    seed: 5,
  });
  for (const note of out.notes) {
    const [, gamma, contrast] = /gamma ([\d.]+), contrast x([\d.]+)/.exec(note)!.map(Number);
    assert.ok(gamma >= 1 / 1.5 - 0.01 && gamma <= 1.5 + 0.01, note);
    assert.ok(contrast >= 1 / 1.25 - 0.01 && contrast <= 1.25 + 0.01, note);
  }
  assert.ok(
    out.pixels.some((v, i) => Math.abs(v - images[i]) > 1e-3),
    'the images changed',
  );
  model.dispose();
});
