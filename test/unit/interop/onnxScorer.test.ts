/**
 * The engine's own ONNX export of the masked scorer (src/engine/onnx, no PyTorch): its bytes decode
 * back to the graph and weights it was given, onnx.checker accepts it and a numpy evaluation of it
 * gives the engine's K-mask difficulty (where python3-onnx is installed), and onnxruntime gives the
 * same (where ONNXRUNTIME_NODE_DIR names one), on test/helpers/interopModel.ts's model.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backends/select';
import type { MaeModel } from '../../../src/engine/model/mae';
import type { MaskBatch } from '../../../src/engine/model/masking';
import { makeMasks } from '../../../src/engine/model/masking';
import { SeededRandom, deriveSeed } from '../../../src/engine/model/rng';
import { SCORER_OPSET, scorerOnnxBytes } from '../../../src/engine/onnx/scorerGraph';
import { loadOnnxruntime, resolveOnnxruntime } from '../../../src/engine/onnx/onnxruntime';
import { ROOT } from '../../helpers/engine';
import { interopModel } from '../../helpers/interopModel';
import type { WireValue } from '../../helpers/protobufReader';
import { int64, packedVarints, readMessage, text } from '../../helpers/protobufReader';
import { findPython, runPython } from './python';

const onnxPython = findPython('numpy, onnx');
const onnxruntime = resolveOnnxruntime();
const COUNT = 6;
const MASKS = 4;
const SEED = 5;
let model: MaeModel;
let scratch: string;
let pixels: Float32Array;
let onnxFile: string;
let engineDifficulty: Float32Array;

before(async () => {
  await selectBackend('wasm');
  model = interopModel(32);
  const rng = new SeededRandom(13);
  const side = model.config.imageSize;
  pixels = Float32Array.from({ length: COUNT * side * side }, (_, i) => {
    const [x, y, image] = [i % side, Math.floor(i / side) % side, Math.floor(i / side / side)];
    return 0.5 + 0.3 * Math.sin(0.2 * (image + 1) * x + 0.3 * y) + 0.1 * rng.next();
  });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-onnx-scorer-'));
  onnxFile = path.join(scratch, 'scorer.onnx');
  fs.writeFileSync(onnxFile, await scorerOnnxBytes(model));
  engineDifficulty = tf.tidy(
    () =>
      model
        .score(tf.tensor4d(pixels, [COUNT, side, side, 1]), { masks: MASKS, seed: SEED, ids: ids() })
        .difficulty.dataSync() as Float32Array,
  );
  assert.ok(
    engineDifficulty.some((v) => v > 0.1),
    'the errors are not all near zero',
  );
});

after(() => {
  model?.dispose();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

const ids = () => Array.from({ length: COUNT }, (_, i) => i);
const masksOf = (seed: number): MaskBatch[] =>
  Array.from({ length: MASKS }, (_, k) => makeMasks(ids(), model.patches, model.config.maskRatio, deriveSeed(seed, k)));

/** Mean over the K masks of the scorer's per-image errors: the engine's difficulty. */
const difficulty = (errors: Float32Array[]) =>
  Float32Array.from(ids(), (b) => errors.reduce((s, e) => s + e[b]!, 0) / errors.length);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'same number of values');
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);
}

const one = (m: Map<number, WireValue[]>, field: number) => m.get(field)?.[0];
const all = (m: Map<number, WireValue[]>, field: number) => m.get(field) ?? [];

/** A ValueInfoProto's name and dims (dim_value or dim_param). */
function valueInfo(bytes: WireValue): [string, Array<number | string>] {
  const info = readMessage(bytes as Uint8Array);
  const tensorType = readMessage(one(readMessage(one(info, 2) as Uint8Array), 1) as Uint8Array);
  const dims = all(readMessage(one(tensorType, 2) as Uint8Array), 1).map((d) => {
    const dim = readMessage(d as Uint8Array);
    return dim.has(1) ? int64(one(dim, 1)!) : text(one(dim, 2)!);
  });
  return [text(one(info, 1)!), dims];
}

test('the exported scorer decodes back to its inputs, outputs, opset and the model weights', () => {
  // A plain Uint8Array: a Buffer's slice() shares memory, and the weights are read back through slice().buffer.
  const bytes = new Uint8Array(fs.readFileSync(onnxFile));
  const modelProto = readMessage(bytes);
  assert.equal(int64(one(modelProto, 1)!), 7, 'IR version');
  assert.equal(int64(one(readMessage(one(modelProto, 8) as Uint8Array), 2)!), SCORER_OPSET);
  const graph = readMessage(one(modelProto, 7) as Uint8Array);
  assert.deepEqual(Object.fromEntries(all(graph, 11).map(valueInfo)), {
    images: ['batch', 1, 32, 32],
    visible: ['batch', 'keep'],
  });
  assert.deepEqual(Object.fromEntries(all(graph, 12).map(valueInfo)), {
    error: ['batch'],
    patch_errors: ['batch', 16],
    embedding: ['batch', 32],
  });
  const initializers = new Map(
    all(graph, 5).map((t) => {
      const tensor = readMessage(t as Uint8Array);
      const raw = one(tensor, 9) as Uint8Array;
      return [text(one(tensor, 8)!), { dims: tensor.has(1) ? packedVarints(one(tensor, 1)!) : [], raw }];
    }),
  );
  // A weight read back bit for bit, in the engine's [in, out] layout; q, k and v stacked as qkv.
  const proj = initializers.get('decoder.0.proj.w')!;
  const variable = model.namedVariables.find((n) => n.name === 'decoder.0.proj.w')!.variable;
  assert.deepEqual(proj.dims, variable.shape);
  assert.deepEqual(new Float32Array(proj.raw.slice().buffer), variable.dataSync());
  assert.deepEqual(initializers.get('encoder.1.qkv.w')!.dims, [32, 96]);
  const k = model.namedVariables.find((n) => n.name === 'encoder.1.k.w')!.variable.dataSync();
  const qkv = new Float32Array(initializers.get('encoder.1.qkv.w')!.raw.slice().buffer);
  assert.deepEqual(qkv.subarray(96 + 32, 96 + 64), k.subarray(32, 64), "row 1's k columns");
  const ops = new Set(all(graph, 1).map((n) => text(one(readMessage(n as Uint8Array), 4)!)));
  for (const op of ['GatherElements', 'ScatterElements', 'Softmax', 'MatMul', 'Sigmoid']) assert.ok(ops.has(op), op);
  // Every node's inputs are graph inputs, initializers or outputs of nodes before it.
  const known = new Set(['images', 'visible', ...initializers.keys()]);
  for (const n of all(graph, 1)) {
    const node = readMessage(n as Uint8Array);
    for (const input of all(node, 1).map(text)) assert.ok(known.has(input), `${text(one(node, 3)!)} reads ${input}`);
    for (const output of all(node, 2).map(text)) known.add(output);
  }
  assert.ok(known.has('error') && known.has('patch_errors') && known.has('embedding'));
});

function writeInputs(dir: string, maskSets: MaskBatch[]): { imagesFile: string; visibleFile: string } {
  const imagesFile = path.join(dir, 'images.f32');
  fs.writeFileSync(imagesFile, new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
  const visible = Int32Array.from(maskSets.flatMap((m) => [...m.visible]));
  const visibleFile = path.join(dir, 'visible.i32');
  fs.writeFileSync(visibleFile, new Uint8Array(visible.buffer));
  return { imagesFile, visibleFile };
}

test(
  "onnx.checker accepts the exported scorer and its numpy evaluation gives TensorFlow.js's K-mask difficulty to 1e-4",
  { skip: onnxPython ? false : 'no python3 with numpy and onnx: apt-get install -y python3-numpy python3-onnx' },
  (t) => {
    const maskSets = [...masksOf(SEED), ...masksOf(SEED + 1)];
    const { imagesFile, visibleFile } = writeInputs(scratch, maskSets);
    const script = path.join(ROOT, 'test/unit/interop/onnxRun.py');
    const args = [onnxFile, imagesFile, String(COUNT), visibleFile, String(maskSets.length), scratch];
    const used = JSON.parse(runPython(onnxPython!, script, args)) as { ops: string[] };
    const bytes = fs.readFileSync(path.join(scratch, 'onnx-errors.f32'));
    const errors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const perMask = maskSets.map((_, k) => errors.subarray(k * COUNT, (k + 1) * COUNT));
    const same = maxAbsDiff(difficulty(perMask.slice(0, MASKS)), engineDifficulty);
    const other = maxAbsDiff(difficulty(perMask.slice(MASKS)), engineDifficulty);
    t.diagnostic(
      `numpy vs TensorFlow.js: ${same.toExponential(2)}; other masks ${other.toExponential(2)}; ops ${used.ops.join(' ')}`,
    );
    assert.ok(same < 1e-4, `difficulties differ by ${same}`);
    assert.ok(other > 1e-3, `other masks differ by only ${other}`);
  },
);

test(
  "onnxruntime runs the exported scorer to TensorFlow.js's K-mask difficulty within 1e-4",
  { skip: onnxruntime.skipped ?? false },
  async (t) => {
    const ort = loadOnnxruntime(onnxruntime.package!);
    const session = await ort.InferenceSession.create(onnxFile, {});
    const side = model.config.imageSize;
    const images = new ort.Tensor('float32', pixels, [COUNT, 1, side, side]);
    try {
      const errors: Float32Array[] = [];
      for (const masks of [...masksOf(SEED), ...masksOf(SEED + 1)]) {
        const visible = new ort.Tensor('int64', BigInt64Array.from(masks.visible, BigInt), [COUNT, masks.keep]);
        const out = await session.run({ images, visible });
        assert.deepEqual(out.patch_errors!.dims, [COUNT, model.patches]);
        errors.push(out.error!.data);
      }
      const same = maxAbsDiff(difficulty(errors.slice(0, MASKS)), engineDifficulty);
      const other = maxAbsDiff(difficulty(errors.slice(MASKS)), engineDifficulty);
      t.diagnostic(
        `onnxruntime ${ort.env.versions.node ?? ''} vs TensorFlow.js, ${COUNT} images x ${MASKS} masks: ${same.toExponential(2)}; other masks ${other.toExponential(2)}`,
      );
      assert.ok(same < 1e-4, `difficulties differ by ${same}`);
      assert.ok(other > 1e-3, `other masks differ by only ${other}`);
    } finally {
      await session.release();
    }
  },
);
