/**
 * Scores every pool sample with the foundation model: its embedding (encoder tokens averaged over
 * patches), its difficulty (masked reconstruction error, mean over K masks) and its per-patch error
 * map. Streams the cache in batches; memory is a batch plus the outputs.
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfCancelled } from '../command';
import type { MaeModel } from './mae';
import type { PixelReader } from './trainingData';

export interface PoolScores {
  count: number;
  embeddingDim: number;
  patchesPerSide: number;
  /** count x embeddingDim */
  embeddings: Float32Array;
  /** count */
  difficulty: Float32Array;
  /** count x patchesPerSide² */
  patchErrors: Float32Array;
}

export interface ScoreOptions {
  masks: number;
  seed: number;
  batchSize: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function scoreSamples(model: MaeModel, reader: PixelReader, ids: readonly number[], options: ScoreOptions): Promise<PoolScores> {
  const { dim } = model.config;
  const size = model.config.imageSize;
  if (reader.imageSize !== size) throw new Error(`the cache holds ${reader.imageSize} px images but the model takes ${size} px`);
  const count = ids.length;
  const n = model.patches;
  const out: PoolScores = { count, embeddingDim: dim, patchesPerSide: model.grid, embeddings: new Float32Array(count * dim), difficulty: new Float32Array(count), patchErrors: new Float32Array(count * n) };
  let next = count ? reader.read(ids.slice(0, options.batchSize)) : undefined;
  for (let start = 0; start < count; start += options.batchSize) {
    if (options.signal) throwIfCancelled(options.signal);
    const batchIds = ids.slice(start, start + options.batchSize);
    const pixels = await next!;
    next = start + options.batchSize < count ? reader.read(ids.slice(start + options.batchSize, start + 2 * options.batchSize)) : undefined;
    const [embedding, difficulty, patchErrors] = tf.tidy(() => {
      const images = tf.tensor4d(pixels, [batchIds.length, size, size, 1]);
      const scores = model.score(images, { masks: options.masks, seed: options.seed, ids: batchIds });
      return [tf.mean(model.encode(images), 1), scores.difficulty, scores.patchErrors];
    });
    out.embeddings.set(await embedding.data(), start * dim);
    out.difficulty.set(await difficulty.data(), start);
    out.patchErrors.set(await patchErrors.data(), start * n);
    tf.dispose([embedding, difficulty, patchErrors]);
    options.onProgress?.(Math.min(count, start + options.batchSize), count);
  }
  return out;
}

/**
 * Difficulty of key patches: each box is cropped from its sample, resized to the model's resolution
 * and scored by masked reconstruction error over K masks (masks keyed by patch id).
 */
export async function scoreBoxes(model: MaeModel, reader: PixelReader, patches: ReadonlyArray<{ id: number; sampleId: number; box: [number, number, number, number] }>, options: ScoreOptions): Promise<Float32Array> {
  const size = model.config.imageSize;
  const source = reader.imageSize;
  const out = new Float32Array(patches.length);
  for (let start = 0; start < patches.length; start += options.batchSize) {
    if (options.signal) throwIfCancelled(options.signal);
    const batch = patches.slice(start, start + options.batchSize);
    const samples = [...new Set(batch.map((p) => p.sampleId))];
    const pixels = await reader.read(samples);
    const difficulty = tf.tidy(() => {
      const images = tf.tensor4d(pixels, [samples.length, source, source, 1]);
      // cropAndResize boxes are [y1, x1, y2, x2] in units of (side - 1), covering the box's pixel centres.
      const boxes = batch.map(({ box: [x, y, w, h] }) => [y / (source - 1), x / (source - 1), (y + h - 1) / (source - 1), (x + w - 1) / (source - 1)]);
      const crops = tf.image.cropAndResize(images, boxes, batch.map((p) => samples.indexOf(p.sampleId)), [size, size], 'bilinear');
      return model.score(crops, { masks: options.masks, seed: options.seed, ids: batch.map((p) => p.id) }).difficulty;
    });
    out.set(await difficulty.data(), start);
    difficulty.dispose();
    options.onProgress?.(Math.min(patches.length, start + options.batchSize), patches.length);
  }
  return out;
}
