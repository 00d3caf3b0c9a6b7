import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backends/select';
import { UsageError } from '../../../src/engine/command';
import { finetuneOptions } from '../../../src/engine/commands/finetuneArgs';
import { fineTune } from '../../../src/engine/downstream/finetune';
import { linearPatchEncoder, squaresData } from './fixtures';

before(async () => {
  await selectBackend('wasm');
});

const data = squaresData(16, [24, 8, 8], 3);
const signal = new AbortController().signal;

/** Norm of how far the encoder's weights moved in the first optimiser step of full fine-tuning. */
async function firstEncoderUpdate(encoderLrScale: number): Promise<number> {
  const encoder = linearPatchEncoder(16, 4, 16, 1);
  const start = encoder.encoderVariables.map((v) => v.clone());
  let moved = NaN;
  await fineTune(
    encoder,
    data,
    { ...finetuneOptions('test', { finetuneMode: 'full', head: 'mlp', finetuneSteps: 1, encoderLrScale }), seed: 2 },
    {
      signal,
      onStep: () => {
        moved = tf.tidy(() =>
          Math.sqrt(
            encoder.encoderVariables.reduce((sum, v, i) => sum + v.sub(start[i]).square().sum().dataSync()[0], 0),
          ),
        );
      },
    },
  );
  tf.dispose([...start, ...encoder.encoderVariables]);
  return moved;
}

test('--encoder-lr-scale 0.1 moves the encoder a tenth as far on the same batch; the head keeps its rate', async () => {
  // Same seed, same batch, same gradient: only the encoder's Adam rate differs. A gradient scaled
  // before Adam instead would give the same first step (Adam divides by the gradient's size).
  const [full, scaled] = [await firstEncoderUpdate(1), await firstEncoderUpdate(0.1)];
  assert.ok(full > 0, 'the encoder learns in full fine-tuning');
  assert.ok(Math.abs(scaled / full - 0.1) < 1e-3, `update ratio ${scaled / full} should be 0.1`);
  const [one, tenth] = [1, 0.1].map((s) => finetuneOptions('test', { encoderLrScale: s }));
  assert.equal(tenth.lr, one.lr, "the head's learning rate does not change");
});

test('the default scale leaves the fine-tuning options exactly as before', () => {
  assert.deepEqual(finetuneOptions('test', { encoderLrScale: 1 }), finetuneOptions('test', {}));
});

for (const bad of [0, -0.5, 1.5, NaN]) {
  test(`--encoder-lr-scale ${bad} is a usage error`, () => {
    assert.throws(
      () => finetuneOptions('bench', { encoderLrScale: bad }),
      (e: unknown) => e instanceof UsageError && /bench: --encoder-lr-scale must be in \(0, 1\]/.test(e.message),
    );
  });
}

test('--encoder-lr-scale with a frozen-encoder probe is a usage error', () => {
  assert.throws(
    () => finetuneOptions('finetune', { finetuneMode: 'probe', encoderLrScale: 0.1 }),
    /finetune: --encoder-lr-scale needs --finetune-mode full/,
  );
});
