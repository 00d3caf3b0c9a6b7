import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  estimateVInformation,
  inputFreeErrors,
  vInformationFromErrors,
} from '../../../src/engine/selection/vInformation';
import { SeededRandom } from '../../../src/engine/model/rng';
import { syntheticImages, useWasm } from '../model/helpers';
import { exactPredictor, meanPredictor } from './fixedPredictors';

const size = 8;
const patchSize = 4;
const mean = (values: ArrayLike<number>) => Array.from(values).reduce((a, b) => a + b, 0) / values.length;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('identical images: the input-free predictor (the mean of the others) is exact', () => {
  const one = Float32Array.from({ length: size * size }, (_, i) => ((i * 7) % 13) / 13);
  const pixels = new Float32Array(3 * size * size);
  for (let k = 0; k < 3; k++) pixels.set(one, k * size * size);
  assert.ok(inputFreeErrors(pixels, 3, size, patchSize).every((e) => e < 1e-9));
});

test('independent noise images: the held-out input-free error approaches the normalised variance, 1', () => {
  const rng = new SeededRandom(1);
  const count = 400;
  const pixels = Float32Array.from({ length: count * size * size }, () => rng.next());
  const error = mean(inputFreeErrors(pixels, count, size, patchSize));
  // Per-patch normalisation gives each patch variance 1; the leave-one-out mean adds 1/(n-1) of it.
  assert.ok(Math.abs(error - 1) < 0.02, `error ${error}`);
});

test('a diverse subset has a larger H(Y|∅) than adjacent slices of one volume', () => {
  const s = 16;
  const diverse = syntheticImages(40, s, 3);
  // A smooth volume: a sphere whose cross-section grows slice by slice, on a gradient; 40 adjacent slices.
  const slices = new Float32Array(40 * s * s);
  for (let z = 0; z < 40; z++) {
    const r = 4 + z * 0.01;
    for (let y = 0; y < s; y++)
      for (let x = 0; x < s; x++)
        slices[(z * s + y) * s + x] = 0.1 + (0.2 * x) / s + ((x - 8) ** 2 + (y - 8) ** 2 < r * r ? 0.6 : 0);
  }
  const empty = (pixels: Float32Array) =>
    vInformationFromErrors(inputFreeErrors(pixels, 40, s, patchSize), new Float64Array(40), { seed: 1 }).hYEmpty;
  assert.ok(empty(diverse) > 3 * empty(slices), `diverse ${empty(diverse)} vs adjacent slices ${empty(slices)}`);
});

test('an input-free model has I_V near 0; an exact one has I_V = H(Y|∅) and H(Y|X) = 0', async () => {
  await useWasm();
  const count = 120;
  const pixels = syntheticImages(count, 16, 4);
  const options = { masks: 4, seed: 2, batchSize: count };
  const free = await estimateVInformation(meanPredictor(16, patchSize), pixels, range(count), options);
  assert.ok(free.hYEmpty > 0.1, `H(Y|∅) ${free.hYEmpty}`);
  // The in-set mean beats the leave-one-out mean by a factor (1 - 1/n)², about 2% of H(Y|∅) here.
  assert.ok(
    Math.abs(free.value) < 0.03 * free.hYEmpty,
    `input-free model: I_V ${free.value} of H(Y|∅) ${free.hYEmpty}`,
  );
  assert.ok(free.interval!.value[0] <= free.value && free.value <= free.interval!.value[1]);
  const exact = await estimateVInformation(exactPredictor(16, patchSize), pixels, range(count), options);
  assert.ok(exact.hYGivenX < 1e-9, `exact model: H(Y|X) ${exact.hYGivenX}`);
  assert.ok(Math.abs(exact.value - exact.hYEmpty) < 1e-9);
  assert.ok(Math.abs(exact.hYEmpty - free.hYEmpty) < 1e-12, 'H(Y|∅) does not depend on the model');
});

test("the bootstrap interval covers an independent resample's value most of the time, and is not vacuous", () => {
  // A population of per-image errors with real spread: images of varied structure under a fixed zero predictor.
  const population = 4000;
  const pixels = syntheticImages(population, size, 7);
  const rng = new SeededRandom(9);
  for (let i = 0; i < pixels.length; i++) pixels[i] += 0.2 * rng.next() * (Math.floor(i / (size * size)) % 3);
  const inputFree = inputFreeErrors(pixels, population, size, patchSize);
  const model = inputFree.map((e, i) => 0.5 * e + (0.3 * ((i * 7919) % 11)) / 11);
  const n = 60;
  const draw = () => range(n).map(() => Math.floor(rng.next() * population));
  let covered = 0;
  let width = 0;
  const trials = 60;
  for (let t = 0; t < trials; t++) {
    const a = draw();
    const b = draw();
    const estimate = vInformationFromErrors(
      a.map((i) => inputFree[i]),
      a.map((i) => model[i]),
      { seed: t, resamples: 400 },
    );
    const other = vInformationFromErrors(
      b.map((i) => inputFree[i]),
      b.map((i) => model[i]),
      { seed: t, resamples: 1 },
    ).value;
    const [lo, hi] = estimate.interval!.value;
    if (lo <= other && other <= hi) covered++;
    width += hi - lo;
  }
  // Two independent means differ by √2 standard errors, so a 95% interval covers the other about 83% of the time.
  assert.ok(covered / trials >= 0.7 && covered / trials <= 0.97, `covered ${covered} of ${trials}`);
  assert.ok(width / trials > 0, 'the interval has width');
});
