/**
 * The exported encoder computes in PyTorch what it computes in TensorFlow.js: a model with every
 * parameter moved off its initial value (so no gamma is 1 and no bias 0) is checkpointed into a
 * real ingested run, exported through the CLI, loaded by python/optidel/encoder.py with Debian's
 * python3-torch, and run on the run's own demo images. Skipped where PyTorch is not installed.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backends/select';
import { openCache } from '../../../src/engine/data/cache';
import { AdamW } from '../../../src/engine/model/adamw';
import { checkpointDir, saveCheckpoint } from '../../../src/engine/model/checkpoint';
import type { MaeModel } from '../../../src/engine/model/mae';
import type { MaskBatch } from '../../../src/engine/model/masking';
import { makeMasks } from '../../../src/engine/model/masking';
import { deriveSeed } from '../../../src/engine/model/rng';
import { loadOnnxruntime, resolveOnnxruntime } from '../../../src/engine/onnx/onnxruntime';
import { ROOT, runCli } from '../../helpers/engine';
import { interopModel } from '../../helpers/interopModel';
import type { TinyRun } from '../../helpers/tinyRun';
import { makeTinyRun } from '../../helpers/tinyRun';
import { TORCH_MISSING, findPython, findTorchPython, runPython } from './python';

const python = findTorchPython();
const onnxPython = findPython('torch, onnx');
const onnxruntime = resolveOnnxruntime();
let run: TinyRun;
let model: MaeModel;

before(async () => {
  run = makeTinyRun();
  await selectBackend('wasm');
  const imageSize = (await openCache(run.runDir)).imageSize;
  model = interopModel(imageSize);
  const optimizer = new AdamW(model.namedVariables, { weightDecay: 0, clipNorm: 0 });
  await saveCheckpoint(checkpointDir(run.runDir, 'pretrain'), model, optimizer, {
    version: 1,
    step: 1,
    seed: 12,
    options: {},
    lastLoss: 0,
    seconds: 0,
  });
});

after(() => {
  model?.dispose();
  if (run) fs.rmSync(run.root, { recursive: true, force: true });
});

function readF32(file: string): Float32Array {
  const bytes = fs.readFileSync(file);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'same number of values');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

test('optidel export --what encoder writes every encoder tensor under its timm name', () => {
  const out = path.join(run.root, 'names.safetensors');
  const r = runCli(['export', '--what', 'encoder', '--run', run.runDir, '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const bytes = fs.readFileSync(out);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, { shape: number[] }>;
  const block = (i: number): string[] =>
    [
      'norm1.weight',
      'norm1.bias',
      'attn.qkv.weight',
      'attn.qkv.bias',
      'attn.proj.weight',
      'attn.proj.bias',
      'norm2.weight',
      'norm2.bias',
      'mlp.fc1.weight',
      'mlp.fc1.bias',
      'mlp.fc2.weight',
      'mlp.fc2.bias',
    ].map((k) => `blocks.${i}.${k}`);
  assert.deepEqual(Object.keys(header), [
    '__metadata__',
    'patch_embed.proj.weight',
    'patch_embed.proj.bias',
    'pos_embed',
    ...block(0),
    ...block(1),
    'norm.weight',
    'norm.bias',
  ]);
  assert.deepEqual(header['patch_embed.proj.weight']!.shape, [32, 1, 8, 8]);
  assert.deepEqual(header['blocks.1.attn.qkv.weight']!.shape, [96, 32]);
  assert.deepEqual(header['blocks.0.mlp.fc1.weight']!.shape, [96, 32]);
  assert.deepEqual(header['pos_embed']!.shape, [1, 16, 32]);
  const encoder = r.json!.encoder as { checkpoint: string; tensors: number };
  assert.equal(encoder.checkpoint, checkpointDir(run.runDir, 'pretrain'), 'no train checkpoint: the foundation model');
  assert.equal(encoder.tensors, 29);
});

/** The run's images written for Python, and the TensorFlow.js model's tokens and pooled embedding of them. */
async function tfjsReference(): Promise<{
  imagesFile: string;
  count: number;
  tokens: Float32Array;
  pooled: Float32Array;
}> {
  const cache = await openCache(run.runDir);
  const ids = Array.from({ length: cache.size }, (_, i) => i);
  const pixels = await cache.read(ids);
  await cache.close();
  const size = model.config.imageSize;
  const [tokens, pooled] = tf.tidy(() => {
    const t = model.encode(tf.tensor4d(pixels, [ids.length, size, size, 1]));
    return [t.dataSync() as Float32Array, tf.mean(t, 1).dataSync() as Float32Array];
  });
  const imagesFile = path.join(run.root, 'images.f32');
  fs.writeFileSync(imagesFile, new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
  assert.ok(
    tokens.some((v) => Math.abs(v) > 0.5),
    'tokens are not all near zero',
  );
  return { imagesFile, count: ids.length, tokens, pooled };
}

function exportEncoderFile(name: string): string {
  const out = path.join(run.root, name);
  const r = runCli(['export', '--what', 'encoder', '--run', run.runDir, '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

test(
  "the encoder's tokens in PyTorch equal TensorFlow.js's to 1e-4 on the demo images",
  { skip: python ? false : TORCH_MISSING },
  async (t) => {
    const out = exportEncoderFile('encoder.safetensors');
    const { imagesFile, count, tokens, pooled } = await tfjsReference();
    runPython(python!, path.join(ROOT, 'test/unit/interop/torchTokens.py'), [out, imagesFile, String(count), run.root]);

    const torchTokens = readF32(path.join(run.root, 'tokens.f32'));
    assert.equal(torchTokens.length, count * model.patches * model.config.dim);
    const tokenDiff = maxAbsDiff(torchTokens, tokens);
    t.diagnostic(`max abs difference: tokens ${tokenDiff.toExponential(2)} over ${tokens.length} values`);
    assert.ok(tokenDiff < 1e-4, `tokens differ by ${tokenDiff}`);
    const pooledDiff = maxAbsDiff(readF32(path.join(run.root, 'pooled.f32')), pooled);
    assert.ok(pooledDiff < 1e-4, `pooled embeddings differ by ${pooledDiff}`);
    // The comparison is fine enough to tell the model's sigmoid GELU from the exact one.
    const erfDiff = maxAbsDiff(readF32(path.join(run.root, 'erf-gelu-tokens.f32')), tokens);
    t.diagnostic(`pooled ${pooledDiff.toExponential(2)}; with exact GELU instead ${erfDiff.toExponential(2)}`);
    assert.ok(erfDiff > 1e-3, `exact GELU differs by only ${erfDiff}`);
  },
);

test(
  "python3 -m optidel.export_onnx writes a checked ONNX model whose tokens equal TensorFlow.js's to 1e-4",
  { skip: onnxPython ? false : `${TORCH_MISSING} python3-onnx` },
  async (t) => {
    const weights = exportEncoderFile('onnx-source.safetensors');
    const { imagesFile, count, tokens, pooled } = await tfjsReference();
    const dir = fs.mkdtempSync(path.join(run.root, 'onnx-'));
    const script = path.join(ROOT, 'test/unit/interop/onnxTokens.py');
    const graph = JSON.parse(runPython(onnxPython!, script, [weights, imagesFile, String(count), dir])) as {
      inputs: Record<string, Array<string | number>>;
      outputs: Record<string, Array<string | number>>;
    };
    const size = model.config.imageSize;
    assert.deepEqual(graph.inputs, { images: ['batch', 1, size, size] });
    assert.deepEqual(Object.keys(graph.outputs), ['tokens', 'embedding']);
    // Traced with one image, run on all of them: the batch dimension is dynamic.
    const tokenDiff = maxAbsDiff(readF32(path.join(dir, 'onnx-tokens.f32')), tokens);
    const pooledDiff = maxAbsDiff(readF32(path.join(dir, 'onnx-embedding.f32')), pooled);
    t.diagnostic(
      `ONNX vs TensorFlow.js, ${count} images: tokens ${tokenDiff.toExponential(2)}, embedding ${pooledDiff.toExponential(2)}`,
    );
    assert.ok(tokenDiff < 1e-4, `tokens differ by ${tokenDiff}`);
    assert.ok(pooledDiff < 1e-4, `embeddings differ by ${pooledDiff}`);
  },
);

/**
 * Each mask batch's per-image errors through `optidel.export_onnx --scorer`: onnxruntime where
 * ONNXRUNTIME_NODE_DIR names one, else onnxScores.py's op-by-op numpy evaluation of the same graph.
 */
async function scorerErrors(weights: string, imagesFile: string, count: number, maskSets: MaskBatch[]) {
  const dir = fs.mkdtempSync(path.join(run.root, 'scorer-'));
  if (onnxruntime.skipped) {
    const visible = path.join(dir, 'visible.i32');
    const all = Int32Array.from(maskSets.flatMap((m) => [...m.visible]));
    fs.writeFileSync(visible, new Uint8Array(all.buffer));
    const script = path.join(ROOT, 'test/unit/interop/onnxScores.py');
    runPython(onnxPython!, script, [weights, imagesFile, String(count), visible, String(maskSets.length), dir]);
    const errors = readF32(path.join(dir, 'onnx-errors.f32'));
    return { by: 'numpy', errors: maskSets.map((_, k) => errors.subarray(k * count, (k + 1) * count)) };
  }
  const file = path.join(dir, 'scorer.onnx');
  // The decoder comes from the checkpoint the encoder file names. ('-m': the export is a module, not a script.)
  runPython(onnxPython!, '-m', ['optidel.export_onnx', weights, file, '--scorer']);
  const ort = loadOnnxruntime(onnxruntime.package!);
  const session = await ort.InferenceSession.create(file, {});
  const size = model.config.imageSize;
  const images = new ort.Tensor('float32', readF32(imagesFile), [count, 1, size, size]);
  try {
    const errors: Float32Array[] = [];
    for (const masks of maskSets) {
      const visible = new ort.Tensor('int64', BigInt64Array.from(masks.visible, BigInt), [count, masks.keep]);
      errors.push((await session.run({ images, visible })).error!.data);
    }
    return { by: `onnxruntime ${ort.env.versions.node ?? ''}`.trim(), errors };
  } finally {
    await session.release();
  }
}

test(
  "python3 -m optidel.export_onnx --scorer gives the K-mask reconstruction error TensorFlow.js's score gives, to 1e-4",
  { skip: onnxPython ? false : `${TORCH_MISSING} python3-onnx` },
  async (t) => {
    const weights = exportEncoderFile('scorer-source.safetensors');
    const { imagesFile, count } = await tfjsReference();
    const size = model.config.imageSize;
    const ids = Array.from({ length: count }, (_, i) => i);
    const options = { masks: 4, seed: 5, ids };
    const pixels = readF32(imagesFile);
    const engine = tf.tidy(
      () => model.score(tf.tensor4d(pixels, [count, size, size, 1]), options).difficulty.dataSync() as Float32Array,
    );
    // The engine's K masks, then K others as a control: other masks of the same images must score visibly differently.
    const masksOf = (seed: number) =>
      Array.from({ length: options.masks }, (_, k) =>
        makeMasks(ids, model.patches, model.config.maskRatio, deriveSeed(seed, k)),
      );
    const { by, errors } = await scorerErrors(weights, imagesFile, count, [...masksOf(options.seed), ...masksOf(6)]);
    /** Mean over K of the scorer's per-image errors: the engine's difficulty (every mask hides as many patches). */
    const difficulty = (sets: Float32Array[]) =>
      Float32Array.from(ids, (b) => sets.reduce((s, e) => s + e[b]!, 0) / sets.length);
    const same = maxAbsDiff(difficulty(errors.slice(0, options.masks)), engine);
    const other = maxAbsDiff(difficulty(errors.slice(options.masks)), engine);
    t.diagnostic(
      `ONNX (${by}) vs TensorFlow.js, ${count} images x ${options.masks} masks: ${same.toExponential(2)}; other masks ${other.toExponential(2)}`,
    );
    assert.ok(
      engine.some((v) => v > 0.1),
      'the errors are not all near zero',
    );
    assert.ok(same < 1e-4, `reconstruction errors differ by ${same}`);
    assert.ok(other > 1e-3, `other masks differ by only ${other}`);
  },
);
