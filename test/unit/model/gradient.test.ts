import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { syntheticImages, useWasm } from './helpers';

/**
 * Analytic gradients (wasm backend, the path training takes: row-gather masking, fused matmul
 * with bias, attention, layer norm, GELU) against central finite differences, in float32.
 */
test('gradients match finite differences on a micro model', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 2);
  const x = tf.tensor4d(syntheticImages(3, 16, 8), [3, 16, 16, 1]);
  const lossAt = (): number => tf.tidy(() => model.loss(x, 5).dataSync()[0]);
  const { grads } = tf.variableGrads(() => model.loss(x, 5), model.variables);
  const checked = [
    'patchEmbed.w',
    'encoder.0.q.w',
    'encoder.0.v.w',
    'encoder.0.norm1.gamma',
    'encoder.0.norm2.beta',
    'decoderNorm.gamma',
    'encoder.0.fc1.b',
    'decoderEmbed.w',
    'maskToken',
    'decoder.0.proj.w',
    'predict.w',
  ];
  const h = 1e-2;
  for (const name of checked) {
    const entry = model.namedVariables.find((n) => n.name === name);
    assert.ok(entry, `no variable ${name}`);
    const g = grads[entry.variable.name].dataSync();
    // The two largest entries: relative error is meaningful there.
    const picks = Array.from(g.keys())
      .sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]))
      .slice(0, 2);
    const original = entry.variable.dataSync().slice();
    for (const i of picks) {
      const shifted = original.slice();
      shifted[i] = original[i] + h;
      entry.variable.assign(tf.tensor(shifted, entry.variable.shape));
      const up = lossAt();
      shifted[i] = original[i] - h;
      entry.variable.assign(tf.tensor(shifted, entry.variable.shape));
      const down = lossAt();
      entry.variable.assign(tf.tensor(original, entry.variable.shape));
      const numeric = (up - down) / (2 * h);
      assert.ok(
        Math.abs(numeric - g[i]) <= 0.05 * Math.abs(g[i]) + 2e-4,
        `${name}[${i}]: analytic ${g[i]}, numeric ${numeric}`,
      );
    }
  }
  tf.dispose(Object.values(grads));
  x.dispose();
  model.dispose();
});
