import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../../../src/engine/model/adamw';
import { useWasm } from './helpers';

function setup(): { w: tf.Variable; b: tf.Variable; grads: tf.Tensor[] } {
  return {
    w: tf.variable(
      tf.tensor2d([
        [1, -2],
        [3, 0.5],
      ]),
      true,
    ),
    b: tf.variable(tf.tensor1d([0.1, -0.1]), true),
    grads: [
      tf.tensor2d([
        [0.5, -1],
        [2, 0],
      ]),
      tf.tensor1d([4, -3]),
    ],
  };
}

test('AdamW: one step matches the hand-computed PyTorch update, on host and device alike', async () => {
  await useWasm();
  const results: number[][] = [];
  for (const placement of ['host', 'device'] as const) {
    const { w, b, grads } = setup();
    const opt = new AdamW(
      [
        { variable: w, decay: true },
        { variable: b, decay: false },
      ],
      { weightDecay: 0.1, clipNorm: 1 },
      placement,
    );
    opt.apply(grads, 0.01);
    const norm = Math.sqrt(0.25 + 1 + 4 + 16 + 9);
    assert.ok(Math.abs((await opt.lastGradNorm()) - norm) < 1e-5);
    // Step 1: m̂ = g', v̂ = g'², so each parameter moves by lr·g'/(|g'| + eps) = ±lr (0 where g = 0), after decay.
    const expectW = [1 * 0.999 - 0.01, -2 * 0.999 + 0.01, 3 * 0.999 - 0.01, 0.5 * 0.999];
    const expectB = [0.1 - 0.01, -0.1 + 0.01];
    const got = [...w.dataSync(), ...b.dataSync()];
    [...expectW, ...expectB].forEach((e, i) =>
      assert.ok(Math.abs(got[i] - e) < 1e-5, `${placement} parameter ${i}: ${got[i]} vs ${e}`),
    );
    opt.apply(grads, 0.01);
    results.push([...w.dataSync(), ...b.dataSync(), ...(await opt.saveState())]);
    opt.dispose();
    tf.dispose([w, b, ...grads]);
  }
  results[0].forEach((v, i) => assert.ok(Math.abs(v - results[1][i]) < 1e-5, `host and device differ at ${i}`));
});

test("AdamW: two workers' slices of an update, one straddling the variables' border, equal the whole update bit for bit", async () => {
  await useWasm();
  const whole = setup();
  const params = (s: ReturnType<typeof setup>) => [
    { variable: s.w, decay: true },
    { variable: s.b, decay: false },
  ];
  const one = new AdamW(params(whole), { weightDecay: 0.1, clipNorm: 1 }, 'host');
  const flatGradient = Float32Array.from(whole.grads.flatMap((g) => Array.from(g.dataSync())));
  // Shared moments and weights, as the data-parallel workers hold them; parameters 0..2 and 3..5.
  const sliced = setup();
  const moments = { m: new Float32Array(6), v: new Float32Array(6) };
  const workers = [0, 1].map(() => new AdamW(params(sliced), { weightDecay: 0.1, clipNorm: 1 }, 'host', moments));
  const weights = Float32Array.from([...sliced.w.dataSync(), ...sliced.b.dataSync()]);
  const norm = Math.sqrt(flatGradient.reduce((s, g) => s + g * g, 0));
  for (const lr of [0.01, 0.02]) {
    one.apply(whole.grads, lr);
    workers[0].applySlice(weights, flatGradient.subarray(0, 3), 0, 3, norm, lr);
    workers[1].applySlice(weights, flatGradient.subarray(3), 3, 6, norm, lr);
  }
  assert.deepEqual(weights, Float32Array.from([...whole.w.dataSync(), ...whole.b.dataSync()]));
  assert.deepEqual(Float32Array.from([...moments.m, ...moments.v]), await one.saveState());
  // Not vacuous: the weights moved.
  assert.notDeepEqual(weights, Float32Array.from([...sliced.w.dataSync(), ...sliced.b.dataSync()]));
  tf.dispose([whole.w, whole.b, ...whole.grads, sliced.w, sliced.b, ...sliced.grads]);
});
