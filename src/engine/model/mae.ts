/**
 * The masked autoencoder (He et al. 2022) that OptiDEL pre-trains and scores with: a ViT encoder
 * over the visible patches, a light decoder that predicts every patch, and a loss on the masked
 * patches of per-patch normalised pixels (or, with `target: 'pixels'`, the raw pixels). Create it
 * only after `selectBackend()` has resolved.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic, readJsonFile } from '../../shared/node/atomicFile';
import { CHECKPOINT_POINTER, readCheckpointPointer } from '../../shared/run/node/checkpointPointer';
import type { BlockParams, Linear, Norm } from './layers';
import { block } from './block';
import { ParamFactory, layerNorm, linear, sinCosPositions } from './layers';
import type { MaskBatch } from './masking';
import { makeMasks } from './masking';
import { scatterTokens, visibleRows } from './tokenRows';
import { SeededRandom, deriveSeed } from './rng';
import { MAE_PRESETS, RECONSTRUCTION_TARGETS, type MaePreset, type ReconstructionTarget } from '../../shared/commands';
import { CHECKPOINT_FILES } from '../../shared/run/layout';

// The preset names are part of the command vocabulary (shared with the host); their shapes live here.
export { MAE_PRESETS, type MaePreset };

export interface MaeConfig {
  imageSize: number;
  patchSize: number;
  dim: number;
  depth: number;
  heads: number;
  decoderDim: number;
  decoderDepth: number;
  maskRatio: number;
  mlpRatio: number;
  /** Decoder attention heads; defaults to `heads` (base uses 16 over 512 as in the MAE paper). */
  decoderHeads?: number;
  /**
   * What the decoder reconstructs; absent means 'normalised' (so configs and checkpoints from before
   * the option keep their signature). Set only when it is not the default.
   */
  target?: ReconstructionTarget;
}

/** The config's reconstruction target, reading an absent one as the default. */
export function reconstructionTarget(c: Pick<MaeConfig, 'target'>): ReconstructionTarget {
  return c.target ?? 'normalised';
}

/** `c` reconstructing `target`: the field is left out at the default, so default configs stay as they were. */
export function withTarget<C extends MaeConfig>(c: C, target: ReconstructionTarget): C {
  const { target: _old, ...rest } = c;
  return (target === 'normalised' ? rest : { ...rest, target }) as C;
}

const PRESETS: Record<MaePreset, MaeConfig> = {
  // Smallest shape that still has every part (attention, MLP, decoder): for tests.
  micro: {
    imageSize: 16,
    patchSize: 4,
    dim: 16,
    depth: 1,
    heads: 2,
    decoderDim: 16,
    decoderDepth: 1,
    maskRatio: 0.75,
    mlpRatio: 2,
  },
  // The shape of shared/anchors/mae_torch.py, so our throughput compares with PyTorch's.
  tiny: {
    imageSize: 64,
    patchSize: 8,
    dim: 128,
    depth: 4,
    heads: 4,
    decoderDim: 64,
    decoderDepth: 1,
    maskRatio: 0.75,
    mlpRatio: 4,
  },
  // ViT-B/16 with the MAE paper's decoder (512 wide, 8 deep): for GPU backends.
  base: {
    imageSize: 224,
    patchSize: 16,
    dim: 768,
    depth: 12,
    heads: 12,
    decoderDim: 512,
    decoderDepth: 8,
    decoderHeads: 16,
    maskRatio: 0.75,
    mlpRatio: 4,
  },
};

export function maeConfig(preset: MaePreset, imageSize?: number): MaeConfig {
  const base = PRESETS[preset];
  if (!base) throw new Error(`unknown model preset "${String(preset)}"; use one of ${MAE_PRESETS.join(', ')}`);
  const config = { ...base, imageSize: imageSize ?? base.imageSize };
  validateConfig(config);
  return config;
}

export function validateConfig(c: MaeConfig): void {
  const fail = (why: string): never => {
    throw new Error(`invalid model config: ${why}`);
  };
  if (c.imageSize % c.patchSize !== 0) fail(`imageSize ${c.imageSize} is not a multiple of patchSize ${c.patchSize}`);
  if (c.dim % c.heads !== 0) fail(`dim ${c.dim} is not divisible by heads ${c.heads}`);
  if (c.decoderDim % (c.decoderHeads ?? c.heads) !== 0)
    fail(`decoderDim ${c.decoderDim} is not divisible by ${c.decoderHeads ?? c.heads} decoder heads`);
  if (c.dim % 4 !== 0 || c.decoderDim % 4 !== 0)
    fail('dim and decoderDim must be multiples of 4 (2D sine-cosine positions)');
  if (!(c.maskRatio > 0 && c.maskRatio < 1)) fail(`maskRatio ${c.maskRatio} must be between 0 and 1`);
  if (!RECONSTRUCTION_TARGETS.includes(reconstructionTarget(c)))
    fail(`target "${String(c.target)}" must be one of ${RECONSTRUCTION_TARGETS.join(', ')}`);
}

/**
 * Difficulty scoring (input-free baselines, the ONNX scorer, every score's documented meaning)
 * is defined on the normalised target; a model trained on another is refused rather than scored
 * on a mix of the two.
 */
export function requireNormalisedTarget(c: MaeConfig, use: string): void {
  if (reconstructionTarget(c) !== 'normalised')
    throw new Error(
      `${use} needs a model pre-trained on per-patch normalised pixels; this one reconstructs ${reconstructionTarget(c)} (--reconstruction-target ${reconstructionTarget(c)}): scoring is defined on the normalised target only`,
    );
}

interface MaeParams {
  patchEmbed: Linear;
  blocks: BlockParams[];
  norm: Norm;
  decoderEmbed: Linear;
  maskToken: tf.Variable;
  decoderBlocks: BlockParams[];
  decoderNorm: Norm;
  predict: Linear;
}

/** K random masks, keyed by sample id so a sample's masks do not depend on its batch. */
export interface MaskOptions {
  masks: number;
  seed: number;
  ids?: readonly number[];
}

const FORMAT = 'optidel-mae';
export const MODEL_FILE = CHECKPOINT_FILES.model;
export const WEIGHTS_FILE = CHECKPOINT_FILES.weights;

interface ModelFile {
  format: typeof FORMAT;
  version: 1;
  config: MaeConfig;
  tensors: Array<{ name: string; shape: number[] }>;
}

export class MaeModel {
  readonly patches: number;
  readonly grid: number;
  readonly variables: tf.Variable[];
  readonly encoderVariables: tf.Variable[];
  /** Variables with their stable names (the save order) and whether AdamW decays them. */
  readonly namedVariables: ReadonlyArray<{ name: string; variable: tf.Variable; decay: boolean }>;
  private readonly positions: tf.Tensor2D;
  private readonly decoderPositions: tf.Tensor2D;

  private constructor(
    readonly config: MaeConfig,
    private readonly params: MaeParams,
    factory: ParamFactory,
    encoderCount: number,
  ) {
    this.grid = config.imageSize / config.patchSize;
    this.patches = this.grid * this.grid;
    this.namedVariables = factory.named;
    this.variables = factory.named.map((n) => n.variable);
    this.encoderVariables = this.variables.slice(0, encoderCount);
    this.positions = tf.tensor2d(sinCosPositions(this.grid, config.dim), [this.patches, config.dim]);
    this.decoderPositions = tf.tensor2d(sinCosPositions(this.grid, config.decoderDim), [
      this.patches,
      config.decoderDim,
    ]);
  }

  static create(config: MaeConfig, seed: number): MaeModel {
    validateConfig(config);
    const factory = new ParamFactory(new SeededRandom(seed));
    const pp = config.patchSize * config.patchSize;
    const patchEmbed = factory.linear('patchEmbed', pp, config.dim);
    const blocks = Array.from({ length: config.depth }, (_, i) =>
      factory.block(`encoder.${i}`, config.dim, config.mlpRatio),
    );
    const norm = factory.norm('norm', config.dim);
    const encoderCount = factory.named.length;
    const decoderEmbed = factory.linear('decoderEmbed', config.dim, config.decoderDim);
    const maskToken = factory.normal('maskToken', config.decoderDim, 0.02);
    const decoderBlocks = Array.from({ length: config.decoderDepth }, (_, i) =>
      factory.block(`decoder.${i}`, config.decoderDim, config.mlpRatio),
    );
    const decoderNorm = factory.norm('decoderNorm', config.decoderDim);
    const predict = factory.linear('predict', config.decoderDim, pp);
    return new MaeModel(
      config,
      { patchEmbed, blocks, norm, decoderEmbed, maskToken, decoderBlocks, decoderNorm, predict },
      factory,
      encoderCount,
    );
  }

  /** Images [B, S, S, 1] -> pixel patches [B, N, p²] in raster order. */
  patchify(images: tf.Tensor4D): tf.Tensor3D {
    const { patchSize: p } = this.config;
    const [b, s] = images.shape;
    if (s !== this.config.imageSize || images.shape[2] !== s || images.shape[3] !== 1) {
      throw new Error(
        `the model takes [batch, ${this.config.imageSize}, ${this.config.imageSize}, 1] images, got [${images.shape.join(', ')}]`,
      );
    }
    // [B·g, p, g, p] -> [B·g, g, p, p]: a 4D transpose (wasm has fast kernels up to 4D only).
    return tf.reshape(tf.transpose(tf.reshape(images, [b * this.grid, p, this.grid, p]), [0, 2, 1, 3]), [
      b,
      this.patches,
      p * p,
    ]);
  }

  /**
   * Encoder tokens of all patches (no masking), [B, numPatches, dim]; with `depth`, the tokens after
   * the first `depth` blocks, before the final norm unless every block ran (what each block keeps of the input).
   */
  encode(images: tf.Tensor4D, depth = this.depth): tf.Tensor3D {
    if (!Number.isInteger(depth) || depth < 0 || depth > this.depth)
      throw new Error(`encode: depth must be an integer from 0 to ${this.depth}, got ${depth}`);
    return tf.tidy(() => {
      const batch = images.shape[0];
      const pixels = tf.reshape(this.patchify(images), [batch * this.patches, -1]) as tf.Tensor2D;
      const tokens = tf.reshape(
        tf.add(
          tf.reshape(linear(pixels, this.params.patchEmbed), [batch, this.patches, this.config.dim]),
          this.positions,
        ),
        [batch * this.patches, this.config.dim],
      ) as tf.Tensor2D;
      return tf.reshape(this.runEncoder(tokens, batch, this.patches, depth), [
        batch,
        this.patches,
        this.config.dim,
      ]) as tf.Tensor3D;
    });
  }

  /**
   * Scalar training loss for one random mask per sample. Sample b's mask is keyed by its place in
   * the global batch, `firstSample + b`, so a data-parallel share masks its samples as the whole
   * batch would. Every sample hides the same number of patches, so the mean over equal shares'
   * losses is the whole batch's loss.
   */
  loss(images: tf.Tensor4D, maskSeed: number, firstSample = 0): tf.Scalar {
    return tf.tidy(() => {
      const places = range(images.shape[0]).map((b) => firstSample + b);
      const masks = makeMasks(places, this.patches, this.config.maskRatio, maskSeed);
      const errors = this.maskedPatchErrors(images, masks);
      const masked = tf.tensor2d(masks.masked, [images.shape[0], this.patches]);
      return tf.div(tf.sum(tf.mul(errors, masked)), tf.sum(masked)) as tf.Scalar;
    });
  }

  /** Mean masked-patch MSE per sample on normalised pixels, averaged over `masks` random masks: [B]. */
  reconstructionError(images: tf.Tensor4D, options: MaskOptions): tf.Tensor1D {
    return tf.tidy(() => this.score(images, options).difficulty);
  }

  /** Per-patch masked error [B, numPatches]; patches visible in every one of the K masks get the sample's mean over the others. */
  patchErrors(images: tf.Tensor4D, options: MaskOptions): tf.Tensor2D {
    return tf.tidy(() => this.score(images, options).patchErrors);
  }

  /**
   * Both scores from one set of K masked passes. Every mask hides the same number of patches, so
   * the per-sample mean over masks equals the total masked error over the total masked count.
   * `maskedCount` says how many of the K masks hid each patch (what other difficulty scores weigh by).
   */
  score(
    images: tf.Tensor4D,
    options: MaskOptions,
  ): { difficulty: tf.Tensor1D; patchErrors: tf.Tensor2D; maskedCount: tf.Tensor2D } {
    if (!(options.masks >= 1)) throw new Error(`masks must be at least 1, got ${options.masks}`);
    requireNormalisedTarget(this.config, 'difficulty scoring');
    const ids = options.ids ?? range(images.shape[0]);
    if (ids.length !== images.shape[0])
      throw new Error(`ids has ${ids.length} entries for a batch of ${images.shape[0]}`);
    return tf.tidy(() => {
      let sum: tf.Tensor2D | undefined;
      let count: tf.Tensor2D | undefined;
      for (let k = 0; k < options.masks; k++) {
        const masks = makeMasks(ids, this.patches, this.config.maskRatio, deriveSeed(options.seed, k));
        const masked = tf.tensor2d(masks.masked, [ids.length, this.patches]);
        const errors = tf.mul(this.maskedPatchErrors(images, masks), masked) as tf.Tensor2D;
        sum = sum ? (tf.add(sum, errors) as tf.Tensor2D) : errors;
        count = count ? (tf.add(count, masked) as tf.Tensor2D) : masked;
      }
      const difficulty = tf.div(tf.sum(sum!, 1), tf.sum(count!, 1)) as tf.Tensor1D;
      const seen = tf.greater(count!, 0);
      const mean = tf.divNoNan(sum!, count!);
      const fallback = tf.broadcastTo(tf.expandDims(difficulty, 1), mean.shape);
      return { difficulty, patchErrors: tf.where(seen, mean, fallback) as tf.Tensor2D, maskedCount: count! };
    });
  }

  /** Squared error of every patch's prediction against its target pixels, [B, N]. */
  private maskedPatchErrors(images: tf.Tensor4D, masks: MaskBatch): tf.Tensor2D {
    const { decoderDim } = this.config;
    const batch = images.shape[0];
    const n = this.patches;
    const patches = this.patchify(images);
    // Visible pixels (differentiable: adversarial augmentation ascends the loss in pixels) and their positions.
    const visible = visibleRows(tf.reshape(patches, [batch * n, -1]), masks);
    const visiblePositions = tf.gather(this.positions, tf.tensor1d(masks.visible, 'int32'));
    const tokens = tf.add(linear(visible, this.params.patchEmbed), visiblePositions) as tf.Tensor2D;
    const encoded = this.runEncoder(tokens, batch, masks.keep);
    // Decoder input: visible tokens put back in their rows, the mask token elsewhere, plus positions.
    const decoded = linear(encoded, this.params.decoderEmbed);
    const full = tf.add(
      tf.reshape(scatterTokens(decoded, this.params.maskToken as tf.Tensor1D, masks), [batch, n, decoderDim]),
      this.decoderPositions,
    );
    let h = tf.reshape(full, [batch * n, decoderDim]) as tf.Tensor2D;
    const heads = this.config.decoderHeads ?? this.config.heads;
    for (const p of this.params.decoderBlocks) h = block(h, p, batch, n, heads);
    const prediction = tf.reshape(linear(layerNorm(h, this.params.decoderNorm), this.params.predict), [batch, n, -1]);
    return tf.mean(tf.squaredDifference(prediction, targetPatches(patches, this.config)), -1) as tf.Tensor2D;
  }

  private runEncoder(tokens: tf.Tensor2D, batch: number, count: number, depth = this.depth): tf.Tensor2D {
    let h = tokens;
    for (const p of this.params.blocks.slice(0, depth)) h = block(h, p, batch, count, this.config.heads);
    return depth === this.depth ? layerNorm(h, this.params.norm) : h;
  }

  /** Blocks in the encoder. */
  get depth(): number {
    return this.params.blocks.length;
  }

  async save(dir: string): Promise<void> {
    const file: ModelFile = {
      format: FORMAT,
      version: 1,
      config: this.config,
      tensors: this.namedVariables.map((n) => ({ name: n.name, shape: n.variable.shape })),
    };
    await writeFileAtomic(path.join(dir, WEIGHTS_FILE), await packTensors(this.variables));
    await writeJsonAtomic(path.join(dir, MODEL_FILE), file);
  }

  /**
   * Loads a model saved by `save`. `dir` may also be a checkpoint folder (or its `latest`), in which
   * case the newest complete checkpoint is loaded.
   */
  static async load(dir: string): Promise<MaeModel> {
    const modelDir = resolveModelDir(dir);
    const file = (await readJsonFile(path.join(modelDir, MODEL_FILE))) as ModelFile;
    if (file.format !== FORMAT || file.version !== 1)
      throw new Error(`${path.join(modelDir, MODEL_FILE)} is not an OptiDEL model (format ${String(file.format)})`);
    checkSavedSize(file.config, path.join(modelDir, MODEL_FILE), path.join(modelDir, WEIGHTS_FILE));
    const model = MaeModel.create(file.config, 0);
    try {
      const names = model.namedVariables.map((n) => n.name).join(',');
      if (names !== file.tensors.map((t) => t.name).join(','))
        throw new Error(
          `${path.join(modelDir, MODEL_FILE)} does not match the model's layout; it was saved by another version`,
        );
      unpackInto(
        await fs.promises.readFile(path.join(modelDir, WEIGHTS_FILE)),
        model.variables,
        path.join(modelDir, WEIGHTS_FILE),
      );
      return model;
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.positions.dispose();
    this.decoderPositions.dispose();
  }
}

/** Per-patch normalised pixels (zero mean, unit variance per patch): the MAE's "norm_pix_loss" target. */
export function normalisePatches(patches: tf.Tensor3D): tf.Tensor3D {
  const { mean, variance } = tf.moments(patches, -1, true);
  return tf.div(tf.sub(patches, mean), tf.sqrt(tf.add(variance, 1e-6)));
}

/** What the decoder is trained to predict for each patch, as the config names it. */
function targetPatches(patches: tf.Tensor3D, c: MaeConfig): tf.Tensor3D {
  return reconstructionTarget(c) === 'pixels' ? patches : normalisePatches(patches);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Concatenates tensors' float32 values (little-endian) in order. Read asynchronously, as every
 * engine read of a tensor is: WebGPU in Node cannot read synchronously (tfjs's readSync needs
 * OffscreenCanvas, which Node lacks).
 */
export async function packTensors(tensors: readonly tf.Tensor[]): Promise<Uint8Array> {
  const total = tensors.reduce((s, t) => s + t.size, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    out.set((await t.data()) as Float32Array, offset);
    offset += t.size;
  }
  return new Uint8Array(out.buffer);
}

/** Assigns values packed by `packTensors` to variables of the same shapes, in order. */
export function unpackInto(bytes: Uint8Array, variables: readonly tf.Variable[], file: string): void {
  const expected = variables.reduce((s, v) => s + v.size, 0) * 4;
  if (bytes.byteLength !== expected)
    throw new Error(
      `${file} has ${bytes.byteLength} bytes, expected ${expected}: the file is truncated or from another model`,
    );
  assignFlat(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), variables);
}

/** Assigns flat values (variables in order, as `packTensors` lays them out) to the variables; the caller checks the length. */
export function assignFlat(values: Float32Array, variables: readonly tf.Variable[]): void {
  let offset = 0;
  for (const v of variables) {
    tf.tidy(() => v.assign(tf.tensor(values.subarray(offset, offset + v.size), v.shape)));
    offset += v.size;
  }
}

/** Most bytes a loaded model may take (weights and position tables); Node reads no bigger file at once anyway. */
const MAX_MODEL_BYTES = 2 * 1024 ** 3;
const CONFIG_INTEGERS = ['imageSize', 'patchSize', 'dim', 'depth', 'heads', 'decoderDim', 'decoderDepth'] as const;

/** Float32 values in the variables `create` makes for this config, counted without allocating anything. */
export function parameterCount(c: MaeConfig): number {
  const pp = c.patchSize * c.patchSize;
  const linearSize = (fanIn: number, fanOut: number) => fanIn * fanOut + fanOut;
  const blockSize = (dim: number) => {
    const hidden = Math.round(dim * c.mlpRatio);
    return 2 * 2 * dim + 4 * linearSize(dim, dim) + linearSize(dim, hidden) + linearSize(hidden, dim);
  };
  const encoder = linearSize(pp, c.dim) + c.depth * blockSize(c.dim) + 2 * c.dim;
  const decoderBlocks = c.decoderDepth * blockSize(c.decoderDim);
  const decoderEmbed = linearSize(c.dim, c.decoderDim) + c.decoderDim; // with the mask token
  const decoder = decoderEmbed + decoderBlocks + 2 * c.decoderDim + linearSize(c.decoderDim, pp);
  return encoder + decoder;
}

/**
 * A model.json read from a run folder is checked before anything is allocated: its shape must be
 * whole numbers, its size within MAX_MODEL_BYTES, and weights.bin exactly as large as it says.
 */
function checkSavedSize(c: MaeConfig, modelFile: string, weightsFile: string): void {
  const fail = (why: string): never => {
    throw new Error(`${modelFile}: ${why}; the checkpoint is damaged or not OptiDEL's: delete it and train again`);
  };
  if (typeof c !== 'object' || c === null) fail('"config" is missing');
  for (const key of CONFIG_INTEGERS) {
    if (!(Number.isSafeInteger(c[key]) && c[key] > 0)) fail(`config.${key} must be a positive whole number`);
  }
  if (!(Number.isFinite(c.mlpRatio) && c.mlpRatio > 0)) fail('config.mlpRatio must be a positive number');
  const bytes = parameterCount(c) * 4;
  const total = bytes + (c.imageSize / c.patchSize) ** 2 * (c.dim + c.decoderDim) * 4;
  const gib = (n: number) => (n / 1024 ** 3).toFixed(1);
  const limit = gib(MAX_MODEL_BYTES);
  if (total > MAX_MODEL_BYTES) fail(`a model of this shape takes ${gib(total)} GiB, more than ${limit} GiB`);
  const actual = fs.statSync(weightsFile, { throwIfNoEntry: false })?.size ?? -1;
  const found = actual < 0 ? 'no file' : `${actual} bytes`;
  if (actual !== bytes) fail(`${weightsFile} has ${found}, the shape needs ${bytes}`);
}

/** The folder holding model.json: `dir` itself, or the checkpoint its latest.json names. */
export function resolveModelDir(dir: string): string {
  if (fs.existsSync(path.join(dir, MODEL_FILE))) return dir;
  const parent = path.basename(dir) === 'latest' ? path.dirname(dir) : dir;
  const stepDir = readCheckpointPointer(parent);
  if (stepDir !== undefined) return stepDir;
  const expected = `${MODEL_FILE} or a checkpoint folder with ${CHECKPOINT_POINTER}`;
  throw new Error(`no model in ${dir}: expected ${expected} (run "optidel pretrain" first)`);
}
