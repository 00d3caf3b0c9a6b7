import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { inputFreeError, vInformationFromErrors } from '../../../src/engine/selection/vInformation';
import { SeededRandom } from '../../../src/engine/model/rng';

const size = 8;
const patchSize = 4;

test('identical images: the input-free predictor is exact', () => {
  const one = Float32Array.from({ length: size * size }, (_, i) => (i * 7) % 13 / 13);
  const pixels = new Float32Array(3 * size * size);
  for (let k = 0; k < 3; k++) pixels.set(one, k * size * size);
  assert.ok(inputFreeError(pixels, 3, size, patchSize) < 1e-9);
});

test('independent noise images: the input-free error approaches the normalised variance, 1', () => {
  const rng = new SeededRandom(1);
  const count = 400;
  const pixels = Float32Array.from({ length: count * size * size }, () => rng.next());
  const error = inputFreeError(pixels, count, size, patchSize);
  // Per-patch normalisation makes each patch's values have variance 1; the per-position mean is near 0.
  assert.ok(Math.abs(error - 1) < 0.02, `error ${error}`);
});

test('more diverse subsets have a larger input-free entropy; V-information is the difference of entropies', () => {
  const rng = new SeededRandom(2);
  const base = Float32Array.from({ length: size * size }, () => rng.next());
  const similar = new Float32Array(50 * size * size).map((_, i) => base[i % (size * size)] + 0.05 * rng.next());
  const diverse = Float32Array.from({ length: 50 * size * size }, () => rng.next());
  assert.ok(inputFreeError(diverse, 50, size, patchSize) > inputFreeError(similar, 50, size, patchSize));
  const v = vInformationFromErrors(1, 0.4);
  assert.ok(Math.abs(v.value - 0.3) < 1e-12);
  assert.ok(Math.abs(v.hYEmpty - (0.5 + 0.5 * Math.log(2 * Math.PI))) < 1e-12);
});
