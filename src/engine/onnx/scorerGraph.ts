/**
 * The masked scorer as an ONNX graph, written from the engine's own model (no PyTorch): the graph
 * python/optidel/export_onnx.py --scorer traces from python/optidel/scorer.py, computing what
 * `MaeModel.score` computes for one of its K masks. Inputs `images` [batch, 1, S, S] float32 and
 * `visible` [batch, keep] int64 (each image's visible patch indices, the mask decided by the
 * caller); outputs `error` [batch], the mean squared error over the masked patches of their
 * per-patch normalised pixels, and `patch_errors` [batch, patches]. The engine's difficulty with K
 * masks is the mean of K runs' `error` (every mask hides the same number of patches). One output
 * more than the Python export: `embedding` [batch, dim], the visible tokens after the encoder's norm
 * averaged; with every patch visible, in order, it is the embedding the score stage stores.
 *
 * Opset 13 (no LayerNormalization or Gelu operator yet): layer norm and the model's GELU,
 * x·σ(1.702x), are written out in elementary ops, as the engine computes them (layers.ts, block.ts).
 */
import { requireNormalisedTarget, type MaeConfig, type MaeModel } from '../model/mae';
import { sinCosPositions } from '../model/layers';
import { GraphBuilder } from './graphBuilder';
import type { Model } from './onnxProto';
import { modelBytes } from './onnxProto';

export const SCORER_OPSET = 13;
const IR_VERSION = 7;
const EPS = 1e-6;
const GELU_SCALE = 1.702;

interface NamedTensor {
  name: string;
  shape: readonly number[];
  values: Float32Array;
}

/** The model's variables by name (mae.ts's names and [in, out] linear layout). */
export type MaeTensors = ReadonlyMap<string, NamedTensor>;

/** Read asynchronously: a GPU backend in Node cannot read a tensor synchronously. */
export async function maeTensors(model: MaeModel): Promise<MaeTensors> {
  const tensors = new Map<string, NamedTensor>();
  for (const { name, variable } of model.namedVariables)
    tensors.set(name, { name, shape: variable.shape, values: (await variable.data()) as Float32Array });
  return tensors;
}

/** Writes the graph's layers; every tensor of the model must be used exactly once. */
class ScorerWriter {
  readonly g = new GraphBuilder();
  private readonly left: Map<string, NamedTensor>;

  constructor(
    readonly config: MaeConfig,
    tensors: MaeTensors,
  ) {
    this.left = new Map(tensors);
  }

  private take(name: string): NamedTensor {
    const tensor = this.left.get(name);
    if (!tensor) throw new Error(`ONNX scorer export: the model has no tensor "${name}"; the export is out of date`);
    this.left.delete(name);
    return tensor;
  }

  weight(name: string): string {
    const t = this.take(name);
    return this.g.floats(name, t.shape, t.values);
  }

  checkAllUsed(): void {
    if (this.left.size)
      throw new Error(
        `ONNX scorer export: tensors not mapped: ${[...this.left.keys()].join(', ')}; the export is out of date`,
      );
  }

  linear(x: string, name: string): string {
    return this.g.op('Add', [this.g.op('MatMul', [x, this.weight(`${name}.w`)]), this.weight(`${name}.b`)]);
  }

  layerNorm(x: string, name: string): string {
    const g = this.g;
    return g.op('Add', [g.op('Mul', [normalise(g, x), this.weight(`${name}.gamma`)]), this.weight(`${name}.beta`)]);
  }

  /** q, k and v stacked into one [dim, 3·dim] product (columns q, then k, then v). */
  private qkvWeights(name: string, dim: number): { w: string; b: string } {
    const parts = ['q', 'k', 'v'].map((p) => ({ w: this.take(`${name}.${p}.w`), b: this.take(`${name}.${p}.b`) }));
    const w = new Float32Array(dim * 3 * dim);
    for (let row = 0; row < dim; row++)
      parts.forEach((p, k) => w.set(p.w.values.subarray(row * dim, (row + 1) * dim), row * 3 * dim + k * dim));
    const b = new Float32Array(3 * dim);
    parts.forEach((p, k) => b.set(p.b.values, k * dim));
    return { w: this.g.floats(`${name}.qkv.w`, [dim, 3 * dim], w), b: this.g.floats(`${name}.qkv.b`, [3 * dim], b) };
  }

  /** The pre-norm block of block.ts over x [batch, tokens, dim], heads as contiguous chunks of dim. */
  block(x: string, name: string, dim: number, heads: number): string {
    const g = this.g;
    const headDim = dim / heads;
    const qkv = this.qkvWeights(name, dim);
    const mixed = g.op('Add', [g.op('MatMul', [this.layerNorm(x, `${name}.norm1`), qkv.w]), qkv.b]);
    // [batch, tokens, 3·dim] -> [3, batch, heads, tokens, headDim].
    const split = g.op('Transpose', [g.op('Reshape', [mixed, g.int64([0, 0, 3, heads, headDim])])], {
      perm: { ints: [2, 0, 3, 1, 4] },
    });
    const [q, k, v] = [0, 1, 2].map((i) => g.op('Gather', [split, g.int64([i], [])], { axis: { int: 0 } }));
    const kT = g.op('Transpose', [k!], { perm: { ints: [0, 1, 3, 2] } });
    const scores = g.op('Mul', [g.op('MatMul', [q!, kT]), g.scalar(1 / Math.sqrt(headDim))]);
    const attended = g.op('MatMul', [g.op('Softmax', [scores], { axis: { int: -1 } }), v!]);
    const merged = g.op('Reshape', [
      g.op('Transpose', [attended], { perm: { ints: [0, 2, 1, 3] } }),
      g.int64([0, 0, dim]),
    ]);
    const h = g.op('Add', [x, this.linear(merged, `${name}.proj`)]);
    const u = this.linear(this.layerNorm(h, `${name}.norm2`), `${name}.fc1`);
    const activated = g.op('Mul', [u, g.op('Sigmoid', [g.op('Mul', [u, g.scalar(GELU_SCALE)])])]);
    return g.op('Add', [h, this.linear(activated, `${name}.fc2`)]);
  }
}

const LAST_AXIS = { ints: [-1] };

/** Over the last axis: (x - mean) / sqrt(mean((x - mean)²) + eps), as layer norm and the MAE's pixel target both do. */
function normalise(g: GraphBuilder, x: string): string {
  const centred = g.op('Sub', [x, g.op('ReduceMean', [x], { axes: LAST_AXIS })]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes: LAST_AXIS });
  return g.op('Div', [centred, g.op('Sqrt', [g.op('Add', [variance, g.scalar(EPS)])])]);
}

/** indices [batch, n] -> [batch, n, width]: the same index along a new last axis, for GatherElements/ScatterElements. */
function alongRows(g: GraphBuilder, indices: string, width: number): string {
  return g.op('Expand', [g.op('Unsqueeze', [indices, g.int64([2])]), g.int64([1, 1, width])]);
}

/** The scorer graph of a model with these tensors. */
export function scorerModel(config: MaeConfig, tensors: MaeTensors): Model {
  requireNormalisedTarget(config, 'the ONNX scorer');
  const w = new ScorerWriter(config, tensors);
  const { g } = w;
  const { imageSize: size, patchSize: p, dim, decoderDim } = config;
  const grid = size / p;
  const n = grid * grid;
  const pixels = p * p;

  // [batch, 1, S, S] -> [batch, patches, p²]: patches in raster order, pixels in raster order within each (mae.ts patchify).
  const patches = g.op('Reshape', [
    g.op('Transpose', [g.op('Reshape', ['images', g.int64([-1, grid, p, grid, p])])], {
      perm: { ints: [0, 1, 3, 2, 4] },
    }),
    g.int64([-1, n, pixels]),
  ]);
  const seen = g.op('GatherElements', [patches, alongRows(g, 'visible', pixels)], { axis: { int: 1 } });
  const positions = g.floats('positions', [n, dim], sinCosPositions(grid, dim));
  let h = g.op('Add', [w.linear(seen, 'patchEmbed'), g.op('Gather', [positions, 'visible'], { axis: { int: 0 } })]);
  for (let i = 0; i < config.depth; i++) h = w.block(h, `encoder.${i}`, dim, config.heads);
  const encoded = w.layerNorm(h, 'norm');
  g.op('ReduceMean', [encoded], { axes: { ints: [1] }, keepdims: { int: 0 } }, 'embedding');
  const decoded = w.linear(encoded, 'decoderEmbed');

  // The visible tokens back in their places, the mask token everywhere else, then the decoder's positions.
  const batch = g.op('Slice', [g.op('Shape', ['images']), g.int64([0]), g.int64([1])]);
  const fullShape = g.op('Concat', [batch, g.int64([n, decoderDim])], { axis: { int: 0 } });
  const maskTokens = g.op('Expand', [w.weight('maskToken'), fullShape]);
  const full = g.op('ScatterElements', [maskTokens, alongRows(g, 'visible', decoderDim), decoded], {
    axis: { int: 1 },
  });
  h = g.op('Add', [full, g.floats('decoderPositions', [n, decoderDim], sinCosPositions(grid, decoderDim))]);
  const decoderHeads = config.decoderHeads ?? config.heads;
  for (let i = 0; i < config.decoderDepth; i++) h = w.block(h, `decoder.${i}`, decoderDim, decoderHeads);
  const prediction = w.linear(w.layerNorm(h, 'decoderNorm'), 'predict');
  w.checkAllUsed();

  // Target: each patch's pixels at zero mean and unit variance (normalisePatches in mae.ts).
  const diff = g.op('Sub', [prediction, normalise(g, patches)]);
  const squared = g.op('Mul', [diff, diff]);
  const patchErrors = g.op('ReduceMean', [squared], { axes: LAST_AXIS, keepdims: { int: 0 } }, 'patch_errors');
  // 1 on the masked patches, 0 on the visible ones; an image's error is the mean over its masked patches.
  const ones = g.op('Expand', [g.scalar(1), g.op('Shape', [patchErrors])]);
  const zeros = g.op('Expand', [g.scalar(0), g.op('Shape', ['visible'])]);
  const masked = g.op('ScatterElements', [ones, 'visible', zeros], { axis: { int: 1 } });
  const rowSum = (x: string) => g.op('ReduceSum', [x, g.int64([1])], { keepdims: { int: 0 } });
  g.op('Div', [rowSum(g.op('Mul', [patchErrors, masked])), rowSum(masked)], undefined, 'error');
  const graph = g.graph(
    'optidel_scorer',
    [
      { name: 'images', type: 'float', shape: ['batch', 1, size, size] },
      { name: 'visible', type: 'int64', shape: ['batch', 'keep'] },
    ],
    [
      { name: 'error', type: 'float', shape: ['batch'] },
      { name: 'patch_errors', type: 'float', shape: ['batch', n] },
      { name: 'embedding', type: 'float', shape: ['batch', dim] },
    ],
  );
  return { graph, opset: SCORER_OPSET, irVersion: IR_VERSION, producer: 'optidel', producerVersion: '1' };
}

/** The .onnx bytes of `model`'s scorer. */
export async function scorerOnnxBytes(model: MaeModel): Promise<Uint8Array> {
  return modelBytes(scorerModel(model.config, await maeTensors(model)));
}
