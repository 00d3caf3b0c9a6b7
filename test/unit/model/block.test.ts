import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { block } from '../../../src/engine/model/block';
import type { BlockParams } from '../../../src/engine/model/layers';
import { ParamFactory, sinCosPositions } from '../../../src/engine/model/layers';
import { MaeModel, maeConfig, normalisePatches } from '../../../src/engine/model/mae';
import { makeMasks } from '../../../src/engine/model/masking';
import { SeededRandom } from '../../../src/engine/model/rng';
import { syntheticImages, useWasm } from './helpers';

/**
 * The written-out gradients of the transformer block and of the row-gather masking against
 * TensorFlow.js autodiff of the plain formulation (moments layer norm, matmul plus bias, softmax
 * attention, one-hot mask products as the model computed them before).
 */

type Params = Record<string, tf.Tensor>;

function plainLinear(x: tf.Tensor2D, params: Params, name: string): tf.Tensor2D {
  return tf.add(tf.matMul(x, params[`${name}.w`]), params[`${name}.b`]);
}

function plainNorm(x: tf.Tensor2D, params: Params, name: string): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6)));
  return tf.add(tf.mul(xhat, params[`${name}.gamma`]), params[`${name}.beta`]);
}

function plainBlock(x: tf.Tensor2D, params: Params, name: string, batch: number, tokens: number, heads: number) {
  const dim = x.shape[1];
  const hd = dim / heads;
  const toHeads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [batch, tokens, heads, hd]), [0, 2, 1, 3]);
  const n1 = plainNorm(x, params, `${name}.norm1`);
  const [q, k, v] = ['q', 'k', 'v'].map((w) => toHeads(plainLinear(n1, params, `${name}.${w}`)));
  const probs = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(hd)));
  const mixed = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [batch * tokens, dim]) as tf.Tensor2D;
  const h = tf.add(x, plainLinear(mixed, params, `${name}.proj`)) as tf.Tensor2D;
  const u = plainLinear(plainNorm(h, params, `${name}.norm2`), params, `${name}.fc1`);
  return tf.add(h, plainLinear(tf.mul(u, tf.sigmoid(tf.mul(u, 1.702))), params, `${name}.fc2`)) as tf.Tensor2D;
}

/** The MAE loss as the model computed it before row gathers: one-hot selection and scatter products. */
function plainLoss(model: MaeModel, params: Params, images: tf.Tensor4D, maskSeed: number): tf.Scalar {
  const c = model.config;
  const batch = images.shape[0];
  const n = model.patches;
  const masks = makeMasks(
    Array.from({ length: batch }, (_, b) => b),
    n,
    c.maskRatio,
    maskSeed,
  );
  const select = new Float32Array(batch * masks.keep * n);
  masks.visibleRows.forEach((row, i) => (select[i * n + (row % n)] = 1));
  const selectT = tf.tensor3d(select, [batch, masks.keep, n]);
  const patches = model.patchify(images);
  const visible = tf.reshape(tf.matMul(selectT, patches), [batch * masks.keep, -1]) as tf.Tensor2D;
  const positions = tf.tensor2d(sinCosPositions(model.grid, c.dim), [n, c.dim]);
  const visiblePositions = tf.matMul(tf.reshape(selectT, [batch * masks.keep, n]), positions);
  let h = tf.add(plainLinear(visible, params, 'patchEmbed'), visiblePositions) as tf.Tensor2D;
  for (let i = 0; i < c.depth; i++) h = plainBlock(h, params, `encoder.${i}`, batch, masks.keep, c.heads);
  const decoded = tf.reshape(plainLinear(plainNorm(h, params, 'norm'), params, 'decoderEmbed'), [
    batch,
    masks.keep,
    c.decoderDim,
  ]);
  const maskedColumn = tf.tensor3d(masks.masked, [batch, n, 1]);
  const decoderPositions = tf.tensor2d(sinCosPositions(model.grid, c.decoderDim), [n, c.decoderDim]);
  const full = tf.add(
    tf.add(tf.matMul(selectT, decoded, true, false), tf.mul(maskedColumn, params.maskToken)),
    decoderPositions,
  );
  let d = tf.reshape(full, [batch * n, c.decoderDim]) as tf.Tensor2D;
  for (let i = 0; i < c.decoderDepth; i++) d = plainBlock(d, params, `decoder.${i}`, batch, n, c.heads);
  const prediction = tf.reshape(plainLinear(plainNorm(d, params, 'decoderNorm'), params, 'predict'), [batch, n, -1]);
  const errors = tf.mean(tf.squaredDifference(prediction, normalisePatches(patches)), -1);
  const masked = tf.tensor2d(masks.masked, [batch, n]);
  return tf.div(tf.sum(tf.mul(errors, masked)), tf.sum(masked));
}

const largest = (t: tf.Tensor): number => tf.max(tf.abs(t)).dataSync()[0];

/**
 * Largest difference over the largest magnitude of the reference. The key bias's gradient is zero
 * in exact arithmetic (softmax ignores a shift shared by all keys), float rounding apart: it is
 * measured against `floor`, the largest gradient entry of any parameter.
 */
function relativeError(name: string, actual: tf.Tensor, expected: tf.Tensor, floor: number): number {
  const diff = largest(tf.sub(actual, expected));
  return diff / (name.endsWith('.k.b') ? floor : largest(expected));
}

/** Every value random (also biases and norm scales, which start at 0 and 1), so every term of a gradient shows. */
function randomise(named: ReadonlyArray<{ variable: tf.Variable }>, rng: SeededRandom): void {
  for (const { variable } of named) {
    const values = new Float32Array(variable.size).map(() => (rng.next() * 2 - 1) * 0.5);
    variable.assign(tf.tensor(values, variable.shape));
  }
}

test("the block's written-out gradients equal autodiff of the plain block for the input and every parameter", async () => {
  await useWasm();
  const [batch, tokens, dim, heads] = [2, 5, 8, 2];
  const factory = new ParamFactory(new SeededRandom(3));
  const p: BlockParams = factory.block('b', dim, 2);
  const rng = new SeededRandom(4);
  randomise(factory.named, rng);
  const x = tf.tensor2d(
    new Float32Array(batch * tokens * dim).map(() => rng.normal()),
    [batch * tokens, dim],
  );
  // A random projection of the output, so every output entry weighs differently.
  const probe = tf.tensor2d(
    new Float32Array(batch * tokens * dim).map(() => rng.normal()),
    [batch * tokens, dim],
  );
  const inputs = [x, ...factory.named.map((n) => n.variable)];
  const names = ['input', ...factory.named.map((n) => n.name)];
  const oursOf = (...t: tf.Tensor[]) => {
    const byName = Object.fromEntries(names.map((name, i) => [name, t[i]]));
    const q = { ...p };
    for (const key of Object.keys(p) as Array<keyof BlockParams>) {
      const part = p[key] as unknown as Record<string, tf.Tensor>;
      q[key] = Object.fromEntries(Object.keys(part).map((f) => [f, byName[`b.${key}.${f}`]])) as never;
    }
    return tf.sum(tf.mul(block(t[0] as tf.Tensor2D, q, batch, tokens, heads), probe));
  };
  const plainOf = (...t: tf.Tensor[]) => {
    const byName = Object.fromEntries(names.map((name, i) => [name, t[i]]));
    return tf.sum(tf.mul(plainBlock(t[0] as tf.Tensor2D, byName, 'b', batch, tokens, heads), probe));
  };
  const [value, expectedValue] = [oursOf(...inputs).dataSync()[0], plainOf(...inputs).dataSync()[0]];
  assert.ok(
    Math.abs(value - expectedValue) <= 1e-5 * Math.abs(expectedValue),
    `value ${value}, plain ${expectedValue}`,
  );
  const ours = tf.grads(oursOf)(inputs);
  const plain = tf.grads(plainOf)(inputs);
  assert.equal(ours.length, 17);
  const floor = Math.max(...plain.map(largest));
  names.forEach((name, i) => {
    const error = relativeError(name, ours[i], plain[i], floor);
    assert.ok(error < 1e-4, `${name}: relative error ${error}`);
  });
  tf.dispose([x, probe, ...ours, ...plain, ...factory.named.map((n) => n.variable)]);
});

test('the loss and every gradient of a training step (parameters and pixels) equal autodiff of the one-hot formulation', async () => {
  await useWasm();
  const model = MaeModel.create({ ...maeConfig('micro'), depth: 2 }, 5);
  randomise(model.namedVariables, new SeededRandom(6));
  const params = Object.fromEntries(model.namedVariables.map((n) => [n.name, n.variable]));
  const images = tf.tensor4d(syntheticImages(3, 16, 7), [3, 16, 16, 1]);
  const ours = tf.variableGrads(() => model.loss(images, 11), model.variables);
  const plain = tf.variableGrads(() => tf.tidy(() => plainLoss(model, params, images, 11)), model.variables);
  const loss = ours.value.dataSync()[0];
  const expected = plain.value.dataSync()[0];
  assert.ok(Math.abs(loss - expected) <= 1e-5 * Math.abs(expected), `loss ${loss}, one-hot formulation ${expected}`);
  const floor = Math.max(...Object.values(plain.grads).map(largest));
  for (const { name, variable } of model.namedVariables) {
    const error = relativeError(name, ours.grads[variable.name], plain.grads[variable.name], floor);
    assert.ok(error < 1e-4, `${name}: relative error ${error}`);
  }
  // The pixels' gradient too (adversarial augmentation ascends the loss in pixels).
  const [ourPixels] = tf.grads((x: tf.Tensor) => model.loss(x as tf.Tensor4D, 11))([images]);
  const [plainPixels] = tf.grads((x: tf.Tensor) => plainLoss(model, params, x as tf.Tensor4D, 11))([images]);
  const pixelError = relativeError('images', ourPixels, plainPixels, 0);
  assert.ok(pixelError < 1e-4, `images: relative error ${pixelError}`);
  tf.dispose([images, ours.value, plain.value, ...Object.values(ours.grads), ...Object.values(plain.grads)]);
  tf.dispose([ourPixels, plainPixels]);
  model.dispose();
});
