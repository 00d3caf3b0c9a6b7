/**
 * The MAE's encoder as a safetensors file with timm's ViT key names, so PyTorch code (our
 * python/optidel/encoder.py, or timm's VisionTransformer configured as docs/interop.md says) can
 * fine-tune it. Every encoder variable of the TensorFlow.js model is mapped exactly once; a
 * variable left over means the model's layout changed and this mapping must follow.
 *
 * TensorFlow.js linear weights are [in, out]; PyTorch's are [out, in], so each is transposed. The
 * patch embedding becomes the equivalent convolution [dim, 1, p, p] (pixels in raster order within
 * a patch), q, k and v are stacked into timm's fused qkv in that order, and the fixed sine-cosine
 * positions are written as `pos_embed` [1, patches, dim] (there is no class token).
 */
import type { MaeConfig, MaeModel } from '../model/mae';
import { sinCosPositions } from '../model/layers';
import type { NamedTensor, SafetensorsMetadata } from './safetensors';
import { safetensorsBytes } from './safetensors';

/** What the PyTorch side needs to rebuild the encoder, stored as JSON under `__metadata__.optidel_config`. */
export interface EncoderConfig {
  img_size: number;
  patch_size: number;
  in_chans: 1;
  embed_dim: number;
  depth: number;
  num_heads: number;
  mlp_hidden_dim: number;
  /** x·sigmoid(1.702x), the model's GELU (block.ts), not erf or tanh GELU. */
  act_layer: 'quick_gelu';
  norm_eps: number;
  class_token: false;
  /** Tokens after the final norm, averaged over patches: the embedding the score stage stores. */
  global_pool: 'avg';
}

export const ENCODER_FORMAT = 'optidel-vit-encoder/1';

export function encoderConfig(c: MaeConfig): EncoderConfig {
  return {
    img_size: c.imageSize,
    patch_size: c.patchSize,
    in_chans: 1,
    embed_dim: c.dim,
    depth: c.depth,
    num_heads: c.heads,
    mlp_hidden_dim: Math.round(c.dim * c.mlpRatio),
    act_layer: 'quick_gelu',
    norm_eps: 1e-6,
    class_token: false,
    global_pool: 'avg',
  };
}

/** The encoder's tensors in timm's names and PyTorch's layouts, in the order of a timm state dict. */
export async function encoderTensors(model: MaeModel): Promise<NamedTensor[]> {
  const { config } = model;
  // Read once, asynchronously (a GPU backend in Node cannot read a tensor synchronously).
  const left = new Map<string, { values: Float32Array; shape: number[] }>();
  for (const { name, variable } of model.namedVariables.slice(0, model.encoderVariables.length))
    left.set(name, { values: (await variable.data()) as Float32Array, shape: variable.shape });
  const take = (name: string): { values: Float32Array; shape: number[] } => {
    const tensor = left.get(name);
    if (!tensor)
      throw new Error(`encoder export: the model has no variable "${name}"; the export mapping is out of date`);
    left.delete(name);
    return tensor;
  };
  const linear = (from: string, to: string): NamedTensor[] => {
    const w = take(`${from}.w`);
    const [rows, cols] = w.shape as [number, number];
    return [
      { name: `${to}.weight`, shape: [cols, rows], values: transposed(w.values, rows, cols) },
      { name: `${to}.bias`, ...take(`${from}.b`) },
    ];
  };
  const norm = (from: string, to: string): NamedTensor[] => [
    { name: `${to}.weight`, ...take(`${from}.gamma`) },
    { name: `${to}.bias`, ...take(`${from}.beta`) },
  ];
  const p = config.patchSize;
  const grid = config.imageSize / p;
  const [patchWeight, patchBias] = linear('patchEmbed', 'patch_embed.proj');
  const out: NamedTensor[] = [
    { ...patchWeight!, shape: [config.dim, 1, p, p] },
    patchBias!,
    { name: 'pos_embed', shape: [1, grid * grid, config.dim], values: sinCosPositions(grid, config.dim) },
  ];
  for (let i = 0; i < config.depth; i++) {
    const from = `encoder.${i}`;
    const to = `blocks.${i}`;
    const [q, k, v] = ['q', 'k', 'v'].map((part) => linear(`${from}.${part}`, 'qkv'));
    out.push(
      ...norm(`${from}.norm1`, `${to}.norm1`),
      {
        name: `${to}.attn.qkv.weight`,
        shape: [3 * config.dim, config.dim],
        values: concatenated([q![0]!, k![0]!, v![0]!]),
      },
      { name: `${to}.attn.qkv.bias`, shape: [3 * config.dim], values: concatenated([q![1]!, k![1]!, v![1]!]) },
      ...linear(`${from}.proj`, `${to}.attn.proj`),
      ...norm(`${from}.norm2`, `${to}.norm2`),
      ...linear(`${from}.fc1`, `${to}.mlp.fc1`),
      ...linear(`${from}.fc2`, `${to}.mlp.fc2`),
    );
  }
  out.push(...norm('norm', 'norm'));
  if (left.size)
    throw new Error(
      `encoder export: variables ${[...left.keys()].join(', ')} are not mapped; the export mapping is out of date`,
    );
  return out;
}

/** The whole file: tensors plus the config and provenance under `__metadata__`. */
export async function encoderSafetensors(
  model: MaeModel,
  source: string,
): Promise<{ bytes: Uint8Array; tensors: number; parameters: number }> {
  const tensors = await encoderTensors(model);
  const metadata: SafetensorsMetadata = {
    format: 'pt',
    optidel_format: ENCODER_FORMAT,
    optidel_config: JSON.stringify(encoderConfig(model.config)),
    optidel_source: source,
  };
  const parameters = tensors.filter((t) => t.name !== 'pos_embed').reduce((s, t) => s + t.values.length, 0);
  return { bytes: safetensorsBytes(tensors, metadata), tensors: tensors.length, parameters };
}

function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

function concatenated(parts: readonly NamedTensor[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, t) => s + t.values.length, 0));
  let at = 0;
  for (const t of parts) {
    out.set(t.values, at);
    at += t.values.length;
  }
  return out;
}
