/**
 * Scores every pool sample with the foundation model: its embedding (encoder tokens averaged over
 * patches), its difficulty (mean over K random masks) and its per-patch difficulty map; and scores
 * key patches by the same maps. Streams the cache in batches; memory is a batch plus the outputs.
 *
 * Difficulty scores (docs/selection.md, "Difficulty"), all "larger is harder", per masked patch:
 *  - `normalised`: squared error on per-patch normalised pixels, the MAE's training loss. A flat
 *    patch normalises to amplified noise nobody can predict, so this score rises as contrast falls.
 *  - `intensity`: the same error in intensity units (the prediction de-normalised with the patch's
 *    own statistics: error x (variance + epsilon)), so flat patches count for little.
 *  - `pvi`: minus the pointwise V-information (Ethayarajh et al. 2022), (e_model - e_∅) / 2 nats per
 *    value, e_∅ the error of the input-free predictor (the pool's per-position mean normalised
 *    patch). A patch that needs no input to predict, or that nobody can predict, scores near 0; a
 *    patch the input-free guess handles better than the model scores high.
 * Key patches are scored inside their own image at the scale the model was trained at: a box's
 * difficulty is that of the patches it covers (weighted by overlap and by how often each was
 * masked), not of the crop upsampled to the model's size, which the model never saw in training.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DIFFICULTY, DIFFICULTY_SCORES, type DifficultyScore } from '../../shared/commands';

export { DEFAULT_DIFFICULTY };
import type { RunRecord } from '../../shared/runRecord';
import { throwIfCancelled } from '../command';
import { SeededRandom, permutation } from './rng';
import { normalisePatches, type MaeModel } from './mae';
import type { PixelReader } from './trainingData';
import { addImages, emptyMoments, inputFreeMean } from './inputFree';

/** Images the input-free predictor is fitted on, drawn by seed (a mean: a few thousand suffice). */
const INPUT_FREE_IMAGES = 4096;

/** The flag, else the run config's `selection.difficulty`, else the default; a bad config value names the file and key. */
export function resolveDifficulty(
  flag: DifficultyScore | undefined,
  record: Pick<RunRecord, 'config' | 'configPath'> | undefined,
): DifficultyScore {
  if (flag) return flag;
  const value = (record?.config.selection as Record<string, unknown> | undefined)?.difficulty;
  if (value === undefined) return DEFAULT_DIFFICULTY;
  if (!DIFFICULTY_SCORES.includes(value as DifficultyScore)) {
    throw new Error(
      `${record?.configPath ?? 'optidel.json'}: selection.difficulty is ${JSON.stringify(value)}; use one of ${DIFFICULTY_SCORES.join(', ')}`,
    );
  }
  return value as DifficultyScore;
}

export interface PoolScores {
  count: number;
  embeddingDim: number;
  patchesPerSide: number;
  difficultyScore: DifficultyScore;
  /** count x embeddingDim */
  embeddings: Float32Array;
  /** count */
  difficulty: Float32Array;
  /** count x patchesPerSide², the per-patch difficulty */
  patchErrors: Float32Array;
}

export interface ScoreOptions {
  masks: number;
  seed: number;
  batchSize: number;
  /** Default `normalised`. */
  difficulty?: DifficultyScore;
  /** For `pvi`: the input-free predictor (fitInputFree); when absent, fitted on the samples being scored. */
  inputFree?: Float32Array;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** What the scores need of a masked autoencoder (MaeModel has it). */
export type MaskedScorer = Pick<MaeModel, 'config' | 'patches' | 'grid' | 'patchify' | 'score'>;

/** What scoring one batch depends on (besides the model and the pixels). */
export type BatchScoreOptions = Pick<ScoreOptions, 'masks' | 'seed' | 'difficulty'>;

/** Per sample and patch: the masked error sum under the chosen score and how often the patch was masked, [B, N] each. */
function maskedScores(
  model: MaskedScorer,
  images: tf.Tensor4D,
  ids: readonly number[],
  options: BatchScoreOptions,
  inputFree: tf.Tensor2D | undefined,
): { scaled: tf.Tensor2D; count: tf.Tensor2D } {
  return tf.tidy(() => {
    const { patchErrors, maskedCount: count } = model.score(images, {
      masks: options.masks,
      seed: options.seed,
      ids: [...ids],
    });
    // Exact where a patch was masked, 0 where it never was.
    return {
      scaled: scaleByScore(model, images, tf.mul(patchErrors, count) as tf.Tensor2D, count, options, inputFree),
      count,
    };
  });
}

/**
 * The chosen difficulty score of per-patch masked errors: `sum` [B, N], the normalised error summed
 * over the masks that hid each patch, and `count` how many did (whichever runtime computed them).
 */
export function scaleByScore(
  model: Pick<MaskedScorer, 'patchify'>,
  images: tf.Tensor4D,
  sum: tf.Tensor2D,
  count: tf.Tensor2D,
  options: Pick<BatchScoreOptions, 'difficulty'>,
  inputFree: tf.Tensor2D | undefined,
): tf.Tensor2D {
  return tf.tidy(() => {
    const kind = options.difficulty ?? DEFAULT_DIFFICULTY;
    if (kind === 'normalised') return sum;
    const patches = model.patchify(images);
    if (kind === 'intensity') return tf.mul(sum, tf.add(tf.moments(patches, -1).variance, 1e-6)) as tf.Tensor2D;
    const inputFreeError = tf.mean(tf.squaredDifference(normalisePatches(patches), inputFree!), -1);
    return tf.div(tf.sub(sum, tf.mul(count, inputFreeError)), 2) as tf.Tensor2D;
  });
}

/** Per-sample difficulty (total over masked patches / masked count) and the per-patch map (a never-masked patch gets its sample's value). */
export function toDifficulty(
  scaled: tf.Tensor2D,
  count: tf.Tensor2D,
): { difficulty: tf.Tensor1D; patchErrors: tf.Tensor2D } {
  return tf.tidy(() => {
    const difficulty = tf.div(tf.sum(scaled, 1), tf.sum(count, 1)) as tf.Tensor1D;
    const fallback = tf.broadcastTo(tf.expandDims(difficulty, 1), scaled.shape);
    return {
      difficulty,
      patchErrors: tf.where(tf.greater(count, 0), tf.divNoNan(scaled, count), fallback) as tf.Tensor2D,
    };
  });
}

/** The input-free predictor of `ids` (at most 4096 of them, drawn by seed): the per-position mean normalised patch. */
export async function fitInputFree(
  reader: PixelReader,
  ids: readonly number[],
  patchSize: number,
  seed: number,
  batchSize = 256,
): Promise<Float32Array> {
  const chosen =
    ids.length <= INPUT_FREE_IMAGES
      ? ids
      : Array.from(permutation(ids.length, new SeededRandom(seed)).subarray(0, INPUT_FREE_IMAGES), (i) => ids[i]);
  const moments = emptyMoments(reader.imageSize);
  for (let start = 0; start < chosen.length; start += batchSize) {
    const batch = chosen.slice(start, start + batchSize);
    addImages(moments, await reader.read(batch), batch.length, reader.imageSize, patchSize);
  }
  return inputFreeMean(moments);
}

/** For `pvi`: the given input-free predictor, else one fitted on `ids`; undefined for the other scores. */
export async function inputFreeFor(
  model: MaskedScorer,
  reader: PixelReader,
  ids: readonly number[],
  options: ScoreOptions,
): Promise<Float32Array | undefined> {
  if (options.difficulty !== 'pvi') return undefined;
  return options.inputFree ?? (await fitInputFree(reader, ids, model.config.patchSize, options.seed));
}

export function inputFreeTensor(model: MaskedScorer, mean: Float32Array | undefined): tf.Tensor2D | undefined {
  return mean && tf.tensor2d(mean, [model.patches, model.config.patchSize ** 2]);
}

/** One batch's scores: embeddings [B, dim], difficulty [B] and the per-patch map [B, grid²]. */
export interface BatchScores {
  embeddings: Float32Array;
  difficulty: Float32Array;
  patchErrors: Float32Array;
}

/**
 * The scores of one batch of samples (their pixels, in order). A batch's values do not depend on
 * the other batches, so batches may be scored in any order, or on other threads, with the same
 * result.
 */
export async function scoreSampleBatch(
  model: MaeModel,
  pixels: Float32Array,
  batchIds: readonly number[],
  options: BatchScoreOptions,
  inputFree: tf.Tensor2D | undefined,
): Promise<BatchScores> {
  const size = model.config.imageSize;
  const tensors = tf.tidy(() => {
    const images = tf.tensor4d(pixels, [batchIds.length, size, size, 1]);
    const { scaled, count: masked } = maskedScores(model, images, batchIds, options, inputFree);
    const scores = toDifficulty(scaled, masked);
    return [tf.mean(model.encode(images), 1), scores.difficulty, scores.patchErrors];
  });
  try {
    const [embeddings, difficulty, patchErrors] = (await Promise.all(tensors.map((t) => t.data()))) as Float32Array[];
    return { embeddings, difficulty, patchErrors };
  } finally {
    tf.dispose(tensors);
  }
}

/** Empty scores of `count` samples for `model`; `allocate` makes the arrays (shared memory for worker threads). */
export function emptyPoolScores(
  model: Pick<MaeModel, 'config' | 'patches' | 'grid'>,
  count: number,
  difficultyScore: DifficultyScore,
  allocate: (values: number) => Float32Array = (values) => new Float32Array(values),
): PoolScores {
  return {
    count,
    embeddingDim: model.config.dim,
    patchesPerSide: model.grid,
    difficultyScore,
    embeddings: allocate(count * model.config.dim),
    difficulty: allocate(count),
    patchErrors: allocate(count * model.patches),
  };
}

/** Writes a batch's scores into the pool's from sample `start` on. */
export function placeBatch(
  out: BatchScores & Pick<PoolScores, 'embeddingDim' | 'patchesPerSide'>,
  start: number,
  batch: BatchScores,
): void {
  out.embeddings.set(batch.embeddings, start * out.embeddingDim);
  out.difficulty.set(batch.difficulty, start);
  out.patchErrors.set(batch.patchErrors, start * out.patchesPerSide ** 2);
}

/** Scores one batch of images (their pixels, in order, and their sample ids, which key the masks) on some runtime. */
export type BatchScorer<T> = (
  pixels: Float32Array,
  batchIds: readonly number[],
  options: BatchScoreOptions,
  inputFree: tf.Tensor2D | undefined,
) => Promise<T>;

/** A batch's sample scores: scoreSampleBatch on TensorFlow.js, or another runtime's. */
export type SampleBatchScorer = BatchScorer<BatchScores>;

export async function scoreSamples(
  model: MaeModel,
  reader: PixelReader,
  ids: readonly number[],
  options: ScoreOptions,
  scoreBatch: SampleBatchScorer = (...args) => scoreSampleBatch(model, ...args),
): Promise<PoolScores> {
  checkImageSize(model, reader);
  const count = ids.length;
  const out = emptyPoolScores(model, count, options.difficulty ?? DEFAULT_DIFFICULTY);
  const inputFree = inputFreeTensor(model, await inputFreeFor(model, reader, ids, options));
  try {
    let next = count ? reader.read(ids.slice(0, options.batchSize)) : undefined;
    for (let start = 0; start < count; start += options.batchSize) {
      if (options.signal) throwIfCancelled(options.signal);
      const batchIds = ids.slice(start, start + options.batchSize);
      const pixels = await next!;
      next =
        start + options.batchSize < count
          ? reader.read(ids.slice(start + options.batchSize, start + 2 * options.batchSize))
          : undefined;
      placeBatch(out, start, await scoreBatch(pixels, batchIds, options, inputFree));
      options.onProgress?.(Math.min(count, start + options.batchSize), count);
    }
  } finally {
    inputFree?.dispose();
  }
  return out;
}

/**
 * Difficulty of key patches, each inside its own image at the model's scale: the masked score of
 * the patches its box covers, weighted by overlap area and by how often each was masked (masks
 * keyed by the sample's id, as in scoreSamples, so a box covering the whole image scores as its
 * image). A box none of whose patches was ever masked gets its image's difficulty. `patchScores`
 * runs the model (TensorFlow.js by default; the ONNX scorer's with `--runtime onnxruntime`).
 */
export async function scoreBoxes(
  model: MaskedScorer,
  reader: PixelReader,
  patches: readonly ScoredBox[],
  options: ScoreOptions,
  patchScores: PatchScorer = tfjsPatchScorer(model),
): Promise<Float32Array> {
  checkImageSize(model, reader);
  const out = new Float32Array(patches.length);
  const inputFree = inputFreeTensor(model, await inputFreeFor(model, reader, boxSamples(patches), options));
  try {
    for (let start = 0; start < patches.length; start += options.batchSize) {
      if (options.signal) throwIfCancelled(options.signal);
      const batch = patches.slice(start, start + options.batchSize);
      out.set(await scoreBoxBatch(model, reader, batch, options, inputFree, patchScores), start);
      options.onProgress?.(Math.min(patches.length, start + options.batchSize), patches.length);
    }
  } finally {
    inputFree?.dispose();
  }
  return out;
}

/** Per sample and patch, [B, N] each: the masked error under the chosen score summed over the K masks, and how many of them hid the patch. */
export interface MaskedPatchScores {
  scaled: Float32Array;
  count: Float32Array;
}

/** A batch's masked patch scores: tfjsPatchScorer, or another runtime's. */
export type PatchScorer = BatchScorer<MaskedPatchScores>;

/** The masked patch scores as MaeModel.score computes them on TensorFlow.js. */
export function tfjsPatchScorer(model: MaskedScorer): PatchScorer {
  return async (pixels, ids, options, inputFree) => {
    const size = model.config.imageSize;
    const { scaled, count } = tf.tidy(() =>
      maskedScores(model, tf.tensor4d(pixels, [ids.length, size, size, 1]), ids, options, inputFree),
    );
    try {
      return { scaled: (await scaled.data()) as Float32Array, count: (await count.data()) as Float32Array };
    } finally {
      tf.dispose([scaled, count]);
    }
  };
}

export type ScoredBox = { id: number; sampleId: number; box: [number, number, number, number] };

/** The samples key patches lie in, each once, in order of first appearance. */
export function boxSamples(patches: ReadonlyArray<Pick<ScoredBox, 'sampleId'>>): number[] {
  return [...new Set(patches.map((p) => p.sampleId))];
}

/** The difficulty of one batch of key patches (their images read from `reader`); independent of the other batches. */
export async function scoreBoxBatch(
  model: MaskedScorer,
  reader: PixelReader,
  batch: readonly ScoredBox[],
  options: BatchScoreOptions,
  inputFree: tf.Tensor2D | undefined,
  patchScores: PatchScorer = tfjsPatchScorer(model),
): Promise<Float32Array> {
  const samples = boxSamples(batch);
  const { scaled, count } = await patchScores(await reader.read(samples), samples, options, inputFree);
  const patch = model.config.imageSize / model.grid;
  return Float32Array.from(batch, (p) =>
    boxScore(p.box, samples.indexOf(p.sampleId), scaled, count, model.grid, patch),
  );
}

export function checkImageSize(model: MaskedScorer, reader: Pick<PixelReader, 'imageSize'>): void {
  if (reader.imageSize !== model.config.imageSize)
    throw new Error(`the cache holds ${reader.imageSize} px images but the model takes ${model.config.imageSize} px`);
}

/** Overlap- and mask-weighted score of box [x, y, w, h] (cached pixels) in row `row` of per-patch [B, grid²] arrays. */
function boxScore(
  [x, y, w, h]: [number, number, number, number],
  row: number,
  scaled: ArrayLike<number>,
  count: ArrayLike<number>,
  grid: number,
  patch: number,
): number {
  const n = grid * grid;
  let total = 0;
  let masked = 0;
  for (let r = Math.floor(y / patch); r < Math.min(grid, Math.ceil((y + h) / patch)); r++) {
    for (let c = Math.floor(x / patch); c < Math.min(grid, Math.ceil((x + w) / patch)); c++) {
      const overlap =
        (Math.min(x + w, (c + 1) * patch) - Math.max(x, c * patch)) *
        (Math.min(y + h, (r + 1) * patch) - Math.max(y, r * patch));
      total += overlap * scaled[row * n + r * grid + c];
      masked += overlap * count[row * n + r * grid + c];
    }
  }
  if (masked > 0) return total / masked;
  let imageTotal = 0;
  let imageMasked = 0;
  for (let i = 0; i < n; i++) {
    imageTotal += scaled[row * n + i];
    imageMasked += count[row * n + i];
  }
  return imageTotal / imageMasked;
}
