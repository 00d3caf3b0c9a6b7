/**
 * The small model the interop tests export: two blocks, four heads and 8-pixel patches, so
 * stacking, the head split and the patch layout all matter, with every parameter moved off its
 * initial value (no gamma is 1, no bias 0) so every weight's layout is checked. Create it only
 * after `selectBackend()` has resolved.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaeConfig } from '../../src/engine/model/mae';
import { MaeModel } from '../../src/engine/model/mae';
import { SeededRandom } from '../../src/engine/model/rng';

export function interopModel(imageSize: number): MaeModel {
  const config: MaeConfig = {
    imageSize,
    patchSize: 8,
    dim: 32,
    depth: 2,
    heads: 4,
    decoderDim: 16,
    decoderDepth: 1,
    maskRatio: 0.75,
    mlpRatio: 3,
  };
  const model = MaeModel.create(config, 11);
  const rng = new SeededRandom(12);
  for (const { variable } of model.namedVariables) {
    const noise = Float32Array.from({ length: variable.size }, () => 0.2 * rng.normal());
    tf.tidy(() => variable.assign(tf.add(variable, tf.tensor(noise, variable.shape))));
  }
  return model;
}
