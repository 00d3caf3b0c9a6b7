import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MaeModel, maeConfig, withTarget } from '../../../src/engine/model/mae';
import { scorerModel } from '../../../src/engine/onnx/scorerGraph';
import { makeMasks } from '../../../src/engine/model/masking';
import { syntheticImages, useWasm } from './helpers';

const SIZE = 16;

function images(count: number, seed = 1): tf.Tensor4D {
  return tf.tensor4d(syntheticImages(count, SIZE, seed), [count, SIZE, SIZE, 1]);
}

test('masks keep a quarter of the patches in raster order, with consistent row indices, chosen by seed and sample id', () => {
  const a = makeMasks([0, 1, 2], 16, 0.75, 7);
  assert.equal(a.keep, 4);
  for (let b = 0; b < 3; b++) {
    const masked = a.masked.subarray(b * 16, (b + 1) * 16);
    assert.equal(
      masked.reduce((s, v) => s + v, 0),
      12,
    );
    const visible = [...a.visible.subarray(b * 4, (b + 1) * 4)];
    assert.deepEqual(
      visible,
      [...visible].sort((x, y) => x - y),
      'visible patches in raster order',
    );
    assert.equal(new Set(visible).size, 4);
    for (let j = 0; j < 4; j++) {
      assert.equal(masked[visible[j]], 0, 'a selected patch is visible');
      assert.equal(a.visibleRows[b * 4 + j], b * 16 + visible[j]);
      assert.equal(a.tokenSource[b * 16 + visible[j]], b * 4 + j, 'a visible token goes back to its row');
    }
    for (let i = 0; i < 16; i++) {
      if (masked[i] === 1) assert.equal(a.tokenSource[b * 16 + i], 12, 'a masked row takes the mask token');
    }
  }
  // Sample 2's mask does not depend on its batch neighbours.
  assert.deepEqual(makeMasks([2], 16, 0.75, 7).masked, a.masked.subarray(32, 48));
  assert.notDeepEqual(makeMasks([0], 16, 0.75, 8).masked, a.masked.subarray(0, 16));
});

test('encode, loss, reconstructionError and patchErrors have the contract shapes and free their intermediates', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 3);
  const x = images(4);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const tokens = model.encode(x);
    assert.deepEqual(tokens.shape, [4, 16, 16]);
    const loss = model.loss(x, i);
    assert.ok(loss.dataSync()[0] > 0);
    const errors = model.reconstructionError(x, { masks: 3, seed: i });
    assert.deepEqual(errors.shape, [4]);
    const patches = model.patchErrors(x, { masks: 2, seed: i });
    assert.deepEqual(patches.shape, [4, 16]);
    assert.ok(
      Array.from(patches.dataSync()).every(Number.isFinite),
      'patch errors are NaN-free even for patches never masked',
    );
    tf.dispose([tokens, loss, errors, patches]);
  }
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  model.dispose();
});

test('encode at a depth gives the tokens after that many blocks: every depth differs, the last is the plain encoding', async () => {
  await useWasm();
  const model = MaeModel.create({ ...maeConfig('micro'), depth: 3 }, 3);
  const x = images(2);
  const tokens = [0, 1, 2, 3].map((depth) => Array.from(model.encode(x, depth).dataSync()));
  assert.deepEqual(tokens[3], Array.from(model.encode(x).dataSync()));
  for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) assert.notDeepEqual(tokens[a], tokens[b]);
  assert.throws(() => model.encode(x, 4), /depth must be an integer from 0 to 3, got 4/);
  model.dispose();
});

test('reconstruction error is deterministic for a seed and varies with it', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 3);
  const x = images(3);
  const a = model.reconstructionError(x, { masks: 2, seed: 5 }).arraySync();
  const b = model.reconstructionError(x, { masks: 2, seed: 5 }).arraySync();
  const c = model.reconstructionError(x, { masks: 2, seed: 6 }).arraySync();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  model.dispose();
  x.dispose();
});

test('save and load give back the same model', async () => {
  await useWasm();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-mae-'));
  const model = MaeModel.create(maeConfig('micro'), 11);
  const x = images(2);
  await model.save(dir);
  const loaded = await MaeModel.load(dir);
  assert.deepEqual(loaded.config, model.config);
  assert.deepEqual(loaded.loss(x, 1).dataSync(), model.loss(x, 1).dataSync());
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(12));
  await assert.rejects(MaeModel.load(dir), /weights\.bin has 12 bytes/);
  tf.dispose([x]);
  model.dispose();
  loaded.dispose();
});

test('the raw-pixel target changes the loss; the default stays the normalised one and scoring refuses raw', async () => {
  await useWasm();
  const config = maeConfig('micro');
  assert.equal('target' in config, false, 'default configs (signatures, model.json) carry no target');
  assert.deepEqual(withTarget(withTarget(config, 'pixels'), 'normalised'), config);
  const normalised = MaeModel.create(config, 3);
  const pixels = MaeModel.create(withTarget(config, 'pixels'), 3);
  const x = images(4);
  const defaultLoss = normalised.loss(x, 2).dataSync()[0];
  // The loss of this model and batch before the target option existed (commit 382b1bb).
  assert.ok(Math.abs(defaultLoss - 1.5294865) < 1e-5, `default loss ${defaultLoss}`);
  const rawLoss = pixels.loss(x, 2).dataSync()[0];
  assert.ok(Math.abs(rawLoss - defaultLoss) > 0.1, `raw ${rawLoss} against normalised ${defaultLoss}`);
  // A raw target keeps each patch's intensity: brightening every pixel by 5 moves the loss far more than the default's spread.
  const brighter = tf.add(x, 5) as tf.Tensor4D;
  assert.ok(pixels.loss(brighter, 2).dataSync()[0] > rawLoss + 1, 'a raw target sees the added intensity');
  assert.throws(
    () => pixels.reconstructionError(x, { masks: 1, seed: 0 }),
    /difficulty scoring needs a model pre-trained on per-patch normalised pixels; this one reconstructs pixels/,
  );
  assert.throws(() => scorerModel(pixels.config, {} as never), /the ONNX scorer needs a model pre-trained/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-mae-target-'));
  await pixels.save(dir);
  const loaded = await MaeModel.load(dir);
  assert.equal(loaded.config.target, 'pixels', 'the checkpoint records its target');
  assert.equal(loaded.loss(x, 2).dataSync()[0], rawLoss);
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"pixels"', '"../etc"'));
  await assert.rejects(MaeModel.load(dir), /target "\.\.\/etc" must be one of normalised, pixels/);
  tf.dispose([x, brighter]);
  for (const m of [normalised, pixels, loaded]) m.dispose();
});

test('presets: tiny is the PyTorch anchor shape, at 64 or 32 px; bad shapes are refused', () => {
  assert.deepEqual(
    { ...maeConfig('tiny') },
    {
      imageSize: 64,
      patchSize: 8,
      dim: 128,
      depth: 4,
      heads: 4,
      decoderDim: 64,
      decoderDepth: 1,
      maskRatio: 0.75,
      mlpRatio: 4,
    },
  );
  assert.equal(maeConfig('tiny', 32).imageSize, 32);
  assert.equal(maeConfig('base').patchSize, 16);
  assert.throws(() => maeConfig('tiny', 60), /not a multiple of patchSize/);
});
