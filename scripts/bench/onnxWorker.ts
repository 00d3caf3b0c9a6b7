// The measurement of scripts/bench/onnx.mjs, run with tsx: argv ONNXRUNTIME_PACKAGE_DIR PYTHON.
// For the tiny preset at 32 and 64 px: a model with seeded weights, moved off their initial values,
// exported as `optidel export --what encoder` writes it and turned into ONNX by
// python/optidel/export_onnx.py; then the same images through the encoder on the engine's wasm
// backend (one thread in Node) and through onnxruntime's CPU provider on 1 thread and on every core,
// in batches of BATCH, timed after one warm-up batch each. Checks that the tokens agree within
// TOLERANCE and prints one JSON line.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backends/select';
import { encoderSafetensors } from '../../src/engine/export/encoderExport';
import { MaeModel, maeConfig } from '../../src/engine/model/mae';
import { SeededRandom } from '../../src/engine/model/rng';

interface OrtTensor {
  data: Float32Array;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(file: string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
  env: { versions: Record<string, string> };
}

const [ortDir, python] = process.argv.slice(2);
const ort = createRequire(path.join(ortDir, 'package.json'))(ortDir) as Ort;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const SIZES = [32, 64];
const IMAGES = Number(process.env.ONNX_BENCH_IMAGES ?? 512);
const BATCH = 64;
const TOLERANCE = 1e-4;
const log = (m: string) => process.stderr.write(`${m}\n`);
const load1m = () => Number(os.loadavg()[0].toFixed(2));

/** Smooth seeded images in [0, 1]: a few waves and noise, like nothing in particular. */
function images(count: number, side: number, rng: SeededRandom): Float32Array {
  const out = new Float32Array(count * side * side);
  for (let i = 0; i < count; i++) {
    const [a, b, c] = [rng.next() * 0.5, rng.next() * 0.5, rng.next() * 6];
    for (let p = 0; p < side * side; p++) {
      const [x, y] = [p % side, Math.floor(p / side)];
      out[i * side * side + p] = 0.5 + 0.3 * Math.sin(a * x + b * y + c) + 0.1 * rng.next();
    }
  }
  return out;
}

/** Wall seconds of running every batch through `forward` (after one warm-up batch), and its outputs. */
async function timed(
  pixels: Float32Array,
  side: number,
  forward: (batch: Float32Array, count: number) => Promise<Float32Array>,
): Promise<{ seconds: number; tokens: Float32Array[] }> {
  const per = side * side;
  await forward(pixels.subarray(0, BATCH * per), BATCH);
  const tokens: Float32Array[] = [];
  const started = performance.now();
  for (let start = 0; start < IMAGES; start += BATCH) {
    const count = Math.min(BATCH, IMAGES - start);
    tokens.push(await forward(pixels.subarray(start * per, (start + count) * per), count));
  }
  return { seconds: (performance.now() - started) / 1000, tokens };
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((batch, k) => {
    if (batch.length !== b[k].length) throw new Error(`batch ${k}: ${batch.length} tokens against ${b[k].length}`);
    for (let i = 0; i < batch.length; i++) worst = Math.max(worst, Math.abs(batch[i] - b[k][i]));
  });
  return worst;
}

async function measure(side: number, scratch: string) {
  const model = MaeModel.create(maeConfig('tiny', side), 1);
  const rng = new SeededRandom(2);
  // Off the initial values (no gamma 1, no bias 0), so every parameter's layout is checked.
  for (const { variable } of model.namedVariables) {
    const noise = Float32Array.from({ length: variable.size }, () => 0.05 * rng.normal());
    tf.tidy(() => variable.assign(tf.add(variable, tf.tensor(noise, variable.shape))));
  }
  const weights = path.join(scratch, `encoder-${side}.safetensors`);
  const onnxFile = path.join(scratch, `encoder-${side}.onnx`);
  fs.writeFileSync(weights, encoderSafetensors(model, 'onnx bench').bytes);
  const exported = spawnSync(python, ['-s', '-m', 'optidel.export_onnx', weights, onnxFile], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: path.join(root, 'python') },
  });
  if (exported.status !== 0) throw new Error(`export_onnx failed: ${exported.stderr}`);

  const pixels = images(IMAGES, side, rng);
  const loadBefore = load1m();
  const wasm = await timed(pixels, side, async (batch, count) =>
    tf.tidy(() => model.encode(tf.tensor4d(batch, [count, side, side, 1])).dataSync() as Float32Array),
  );
  const onnx = async (threads: number) => {
    const session = await ort.InferenceSession.create(onnxFile, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    try {
      return await timed(pixels, side, async (batch, count) => {
        const out = await session.run({ images: new ort.Tensor('float32', batch, [count, 1, side, side]) });
        return out.tokens.data;
      });
    } finally {
      await session.release();
    }
  };
  const one = await onnx(1);
  const cores = os.availableParallelism();
  const all = await onnx(cores);
  model.dispose();
  const diff = Math.max(maxAbsDiff(wasm.tokens, one.tokens), maxAbsDiff(wasm.tokens, all.tokens));
  if (!(diff <= TOLERANCE)) throw new Error(`${side} px: tokens differ by ${diff} (tolerance ${TOLERANCE})`);
  const rate = (seconds: number) => Number((IMAGES / seconds).toFixed(1));
  const row = {
    imageSize: side,
    images: IMAGES,
    batch: BATCH,
    tokensMaxAbsDiff: diff,
    wasmImagesPerSecond: rate(wasm.seconds),
    onnxOneThreadImagesPerSecond: rate(one.seconds),
    onnxThreads: cores,
    onnxAllThreadsImagesPerSecond: rate(all.seconds),
    oneThreadRatio: Number((wasm.seconds / one.seconds).toFixed(2)),
    allThreadsRatio: Number((wasm.seconds / all.seconds).toFixed(2)),
    loadAverage1m: { before: loadBefore, after: load1m() },
  };
  log(
    `${side} px: wasm ${row.wasmImagesPerSecond} images/s, onnxruntime ${row.onnxOneThreadImagesPerSecond} on 1 thread (${row.oneThreadRatio}x), ${row.onnxAllThreadsImagesPerSecond} on ${cores} (${row.allThreadsRatio}x); tokens within ${diff.toExponential(1)} (load ${loadBefore})`,
  );
  return row;
}

async function main(): Promise<void> {
  await selectBackend('wasm');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-onnx-bench-'));
  try {
    const rows = [];
    for (const side of SIZES) rows.push(await measure(side, scratch));
    process.stdout.write(
      `${JSON.stringify({
        measured:
          'encoder forward on whole images (tokens and embedding); the export has no decoder, so K-mask scoring is not measured',
        preset: 'tiny',
        onnxruntime: ort.env.versions,
        wasmThreads: 1,
        adoptIf: 'at least 3x the wasm path',
        rows,
      })}\n`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
