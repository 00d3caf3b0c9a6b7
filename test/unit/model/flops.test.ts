import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maeForwardFlops, maeTrainingFlops } from '../../../src/engine/model/flops';
import { maeConfig } from '../../../src/engine/model/mae';

test('MAE FLOPs match a hand count on a one-block shape', () => {
  // 8x8 image, 4x4 patches: 4 patches, 1 visible at ratio 0.75; dim 4, decoder 4, mlp x2.
  const c = {
    imageSize: 8,
    patchSize: 4,
    dim: 4,
    depth: 1,
    heads: 1,
    decoderDim: 4,
    decoderDepth: 1,
    maskRatio: 0.75,
    mlpRatio: 2,
  };
  const embed = 2 * 4 * 16 * 4;
  const encoderBlock = 2 * 1 * 4 * 12 + 2 * 1 * 4 * 4 + 4 * 1 * 1 * 4 + 4 * 1 * 4 * 8;
  const decoderEmbed = 2 * 1 * 4 * 4;
  const decoderBlock = 2 * 4 * 4 * 12 + 2 * 4 * 4 * 4 + 4 * 4 * 4 * 4 + 4 * 4 * 4 * 8;
  const prediction = 2 * 4 * 4 * 16;
  assert.equal(maeForwardFlops(c), embed + encoderBlock + decoderEmbed + decoderBlock + prediction);
  assert.equal(maeTrainingFlops(c, 5), 15 * maeForwardFlops(c));
});

test('the base preset: a ViT-B/16 encoder on 49 visible tokens plus the 8-block, 512-wide decoder on all 196', () => {
  // Encoder 12 x (24·49·768² + 4·49²·768) ≈ 8.41e9; decoder 8 x (24·196·512² + 4·196²·512) ≈ 10.5e9;
  // embedding, decoder embedding and prediction ≈ 0.17e9. (ViT-B/16's "17.6 GFLOPs" counts multiply-adds
  // over all 196 tokens; masking 75% leaves about a quarter of that, times 2 FLOPs per multiply-add.)
  const forward = maeForwardFlops(maeConfig('base'));
  assert.ok(Math.abs(forward - 19.07e9) < 0.05e9, `${forward / 1e9} GFLOPs`);
});
