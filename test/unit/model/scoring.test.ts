import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '../../../src/engine/model/rng';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { pcaProject } from '../../../src/engine/model/projection';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIFFICULTY_SCORES } from '../../../src/shared/commands';
import { pretrain } from '../../../src/engine/model/pretrain';
import { fitInputFree, resolveDifficulty, scoreBoxes, scoreSamples } from '../../../src/engine/model/scoring';
import { memoryReader, recordingContext, syntheticImages, useWasm } from './helpers';

test('pool scores: shapes, batch-independent values, a whole-image key patch scores as its image, flat tensor count', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 2);
  const reader = memoryReader(syntheticImages(10, 16, 1), 16);
  const ids = Array.from({ length: 10 }, (_, i) => i);
  const before = tf.memory().numTensors;
  const a = await scoreSamples(model, reader, ids, { masks: 3, seed: 1, batchSize: 4 });
  const b = await scoreSamples(model, reader, ids, { masks: 3, seed: 1, batchSize: 7 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(a.embeddings.length, 10 * 16);
  assert.equal(a.patchErrors.length, 10 * 16);
  for (let i = 0; i < 10; i++)
    assert.ok(Math.abs(a.difficulty[i] - b.difficulty[i]) < 1e-5, 'a sample scores the same in any batch');
  assert.ok(a.difficulty.every((d) => d > 0 && Number.isFinite(d)));
  const patches = await scoreBoxes(
    model,
    reader,
    [
      { id: 3, sampleId: 3, box: [0, 0, 16, 16] },
      { id: 11, sampleId: 3, box: [4, 4, 8, 8] },
    ],
    { masks: 3, seed: 1, batchSize: 8 },
  );
  // A box covering the whole image is scored as its image: same masks (keyed by the sample), same patches.
  assert.ok(
    Math.abs(patches[0] - a.difficulty[3]) < 1e-4,
    `whole-image patch ${patches[0]} vs sample ${a.difficulty[3]}`,
  );
  assert.ok(patches[1] > 0 && Number.isFinite(patches[1]));
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('every difficulty score: a whole-image box scores as its image, a box inside it by the patches it covers', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 3);
  const reader = memoryReader(syntheticImages(6, 16, 2), 16);
  const ids = Array.from({ length: 6 }, (_, i) => i);
  const inputFree = await fitInputFree(reader, ids, 4, 5);
  for (const difficulty of DIFFICULTY_SCORES) {
    const pool = await scoreSamples(model, reader, ids, { masks: 2, seed: 5, batchSize: 6, difficulty, inputFree });
    const boxes = await scoreBoxes(
      model,
      reader,
      [
        { id: 0, sampleId: 4, box: [0, 0, 16, 16] },
        { id: 1, sampleId: 4, box: [4, 8, 4, 4] },
      ],
      { masks: 2, seed: 5, batchSize: 8, difficulty, inputFree },
    );
    assert.ok(
      Math.abs(boxes[0] - pool.difficulty[4]) < 1e-5,
      `${difficulty}: whole-image box ${boxes[0]} vs image ${pool.difficulty[4]}`,
    );
    // The 4x4 box at (4, 8) is exactly patch (row 2, col 1) of the 4x4 grid: its per-patch difficulty.
    assert.ok(
      Math.abs(boxes[1] - pool.patchErrors[4 * 16 + 2 * 4 + 1]) < 1e-5,
      `${difficulty}: one-patch box ${boxes[1]} vs its patch ${pool.patchErrors[4 * 16 + 9]}`,
    );
  }
  model.dispose();
});

test('pvi: a textured patch the model reconstructs badly ranks well above a flat noisy one; normalised error barely separates them', async () => {
  await useWasm();
  const size = 16;
  // The model learns smooth disks on gradients; it never sees texture.
  const model = MaeModel.create(maeConfig('micro'), 1);
  const training = memoryReader(syntheticImages(64, size, 5), size);
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-pvi-'));
  await pretrain(
    model,
    { ids: Array.from({ length: 64 }, (_, i) => i), cache: training },
    {
      steps: 150,
      batchSize: 8,
      lr: 2e-3,
      weightDecay: 0.05,
      warmupSteps: 10,
      clipNorm: 1,
      seed: 4,
      checkpointEvery: 1000,
      augment: false,
    },
    run,
    'pretrain',
    recordingContext(),
  );
  // The scored pool: 20 learned disks, 10 copies of one fixed random texture (no patch of it can be
  // inferred from the others, so the model reconstructs it badly, but it recurs in the pool, so the
  // input-free guess knows part of it) and 10 flat grey images with faint noise.
  const rng = new SeededRandom(8);
  const disks = syntheticImages(20, size, 6);
  const pattern = Float32Array.from({ length: size * size }, () => 0.2 + 0.6 * rng.next());
  const texture = Float32Array.from(
    { length: 10 * size * size },
    (_, i) => pattern[i % (size * size)] + 0.02 * rng.next(),
  );
  const flat = Float32Array.from({ length: 10 * size * size }, () => 0.5 + 0.01 * rng.next());
  const pixels = new Float32Array(40 * size * size);
  pixels.set(disks);
  pixels.set(texture, 20 * size * size);
  pixels.set(flat, 30 * size * size);
  const reader = memoryReader(pixels, size);
  const ids = Array.from({ length: 40 }, (_, i) => i);
  const mean = (values: Float32Array, from: number, to: number) =>
    values.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
  const scores = async (difficulty: (typeof DIFFICULTY_SCORES)[number]) => {
    const d = (await scoreSamples(model, reader, ids, { masks: 4, seed: 3, batchSize: 40, difficulty })).difficulty;
    return { disks: mean(d, 0, 20), texture: mean(d, 20, 30), flat: mean(d, 30, 40) };
  };
  const normalised = await scoreSamples(model, reader, ids, { masks: 4, seed: 3, batchSize: 40 }).then(
    (r) => r.difficulty,
  );
  const pvi = await scores('pvi');
  const norm = { disks: mean(normalised, 0, 20), texture: mean(normalised, 20, 30), flat: mean(normalised, 30, 40) };
  assert.ok(
    norm.flat > norm.disks,
    `normalised error calls flat noise hard: flat ${norm.flat.toFixed(3)}, disks ${norm.disks.toFixed(3)}`,
  );
  assert.ok(
    pvi.texture > pvi.flat + 0.1,
    `pvi: texture ${pvi.texture.toFixed(3)} vs flat ${pvi.flat.toFixed(3)} (normalised: ${norm.texture.toFixed(3)} vs ${norm.flat.toFixed(3)})`,
  );
  // In nats (half the squared error), pvi's gap is several times the normalised error's: the input-free
  // term, not the model's error, is what tells recurring content from noise (measured: 0.21 vs 0.02).
  assert.ok(
    pvi.texture - pvi.flat > (3 * Math.abs(norm.texture - norm.flat)) / 2,
    `gaps: pvi ${pvi.texture - pvi.flat}, normalised ${(norm.texture - norm.flat) / 2}`,
  );
  assert.ok(pvi.disks < pvi.flat, `what the model learned is easy under pvi: disks ${pvi.disks.toFixed(3)}`);
  const intensity = await scores('intensity');
  assert.ok(
    intensity.flat < 0.01 * intensity.texture,
    `intensity error ignores faint noise: flat ${intensity.flat} vs texture ${intensity.texture}`,
  );
  model.dispose();
});

test('difficulty setting: the flag, else selection.difficulty of the run config, else normalised; a bad value names the file, key and choices', () => {
  const record = (difficulty: unknown) => ({ config: { selection: { difficulty } }, configPath: '/w/optidel.json' });
  assert.equal(resolveDifficulty(undefined, undefined), 'normalised');
  assert.equal(resolveDifficulty(undefined, record('pvi')), 'pvi');
  assert.equal(resolveDifficulty('intensity', record('pvi')), 'intensity');
  assert.throws(
    () => resolveDifficulty(undefined, record('hardest')),
    /\/w\/optidel\.json: selection\.difficulty is "hardest"; use one of normalised, intensity, pvi/,
  );
});

test('PCA projection recovers the dominant directions', () => {
  // Points spread along (1, 1, 0) far more than along (0, 0, 1).
  const n = 50;
  const points = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = i - n / 2;
    points.set([t + 5, t + 5, (i % 3) * 0.5], i * 3);
  }
  const projected = pcaProject(points, 3);
  for (let i = 1; i < n; i++)
    assert.ok(
      Math.abs(projected[i * 2] - projected[(i - 1) * 2] - Math.SQRT2) < 1e-3,
      'first axis is the spread direction',
    );
  const second = Array.from({ length: n }, (_, i) => projected[i * 2 + 1]);
  assert.ok(Math.max(...second) - Math.min(...second) < 1.1);
});
