// The measurement of scripts/bench/onnx.mjs, run with tsx: argv PYTHON. Prints {skipped} where
// onnxruntime-node cannot be found. For the tiny preset at 32 and 64 px: a model with seeded
// weights, moved off their initial values, saved as a checkpoint, its encoder exported as `optidel
// export --what encoder` writes it and turned into ONNX by python/optidel/export_onnx.py, and its
// masked scorer (decoder included) written by the engine (scorerGraph.ts). Then the same images on the engine's wasm backend (one thread
// in Node) and through onnxruntime's CPU provider on 1 thread and on every core, in batches of
// BATCH, timed after one warm-up batch each: the encoder's forward on whole images (tokens), and
// K-mask scoring (MaeModel.score's difficulty with MASKS masks; onnxruntime runs the scorer once
// per mask with the engine's own seeded masks and averages). Checks that tokens and difficulties
// agree within TOLERANCE and prints one JSON line.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backends/select';
import { encoderSafetensors } from '../../src/engine/export/encoderExport';
import { MaeModel, maeConfig } from '../../src/engine/model/mae';
import { makeMasks } from '../../src/engine/model/masking';
import { SeededRandom, deriveSeed } from '../../src/engine/model/rng';
import type { OrtSession } from '../../src/engine/onnx/onnxruntime';
import { cpuSessionOptions, loadOnnxruntime, resolveOnnxruntime } from '../../src/engine/onnx/onnxruntime';
import { scorerOnnxBytes } from '../../src/engine/onnx/scorerGraph';

const [python] = process.argv.slice(2);
const found = resolveOnnxruntime();
if (found.skipped !== undefined) {
  process.stderr.write(`onnx bench skipped: ${found.skipped}\n`);
  process.stdout.write(`${JSON.stringify({ skipped: found.skipped })}\n`);
  process.exit(0);
}
const ort = loadOnnxruntime(found.package);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const SIZES = [32, 64];
const IMAGES = Number(process.env.ONNX_BENCH_IMAGES ?? 512);
const BATCH = 64;
const TOLERANCE = 1e-4;
const MASKS = 4;
const MASK_SEED = 7;
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

/** One batch's outputs; `first` is the batch's first image in the whole set (the masks are keyed by it). */
type Forward = (batch: Float32Array, count: number, first: number) => Promise<Float32Array>;
interface Timed {
  seconds: number;
  outputs: Float32Array[];
}

/** Wall seconds of running every batch through `forward` (after one warm-up batch), and its outputs. */
async function timed(pixels: Float32Array, side: number, forward: Forward): Promise<Timed> {
  const per = side * side;
  await forward(pixels.subarray(0, BATCH * per), BATCH, 0);
  const outputs: Float32Array[] = [];
  const started = performance.now();
  for (let start = 0; start < IMAGES; start += BATCH) {
    const count = Math.min(BATCH, IMAGES - start);
    outputs.push(await forward(pixels.subarray(start * per, (start + count) * per), count, start));
  }
  return { seconds: (performance.now() - started) / 1000, outputs };
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((batch, k) => {
    if (batch.length !== b[k].length) throw new Error(`batch ${k}: ${batch.length} values against ${b[k].length}`);
    for (let i = 0; i < batch.length; i++) worst = Math.max(worst, Math.abs(batch[i] - b[k][i]));
  });
  return worst;
}

const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

/** Writes the encoder (through PyTorch) and scorer (the engine's own export) ONNX files of `model` into `scratch`. */
async function exportOnnx(
  model: MaeModel,
  side: number,
  scratch: string,
): Promise<{ encoder: string; scorer: string }> {
  const checkpoint = path.join(scratch, `checkpoint-${side}`);
  fs.mkdirSync(checkpoint);
  await model.save(checkpoint);
  const weights = path.join(scratch, `encoder-${side}.safetensors`);
  fs.writeFileSync(weights, (await encoderSafetensors(model, checkpoint)).bytes);
  const files = {
    encoder: path.join(scratch, `encoder-${side}.onnx`),
    scorer: path.join(scratch, `scorer-${side}.onnx`),
  };
  const exported = spawnSync(python, ['-s', '-m', 'optidel.export_onnx', weights, files.encoder], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: path.join(root, 'python') },
  });
  if (exported.status !== 0) throw new Error(`export_onnx failed: ${exported.stderr}`);
  fs.writeFileSync(files.scorer, await scorerOnnxBytes(model));
  return files;
}

/** `forward` timed through an onnxruntime session on `threads` threads. */
async function onnxTimed(
  file: string,
  threads: number,
  pixels: Float32Array,
  side: number,
  forward: (session: OrtSession) => Forward,
): Promise<Timed> {
  const session = await ort.InferenceSession.create(file, cpuSessionOptions(threads));
  try {
    return await timed(pixels, side, forward(session));
  } finally {
    await session.release();
  }
}

/** wasm, onnxruntime on 1 thread and on every core; throws when their outputs differ by more than TOLERANCE. */
async function compare(
  what: string,
  side: number,
  wasmForward: Forward,
  onnx: (threads: number) => Promise<Timed>,
  pixels: Float32Array,
) {
  const wasm = await timed(pixels, side, wasmForward);
  const one = await onnx(1);
  const cores = os.availableParallelism();
  const all = await onnx(cores);
  const diff = Math.max(maxAbsDiff(wasm.outputs, one.outputs), maxAbsDiff(wasm.outputs, all.outputs));
  if (!(diff <= TOLERANCE)) throw new Error(`${side} px ${what}: outputs differ by ${diff} (tolerance ${TOLERANCE})`);
  const rate = (seconds: number) => Number((IMAGES / seconds).toFixed(1));
  const row = {
    maxAbsDiff: diff,
    wasmImagesPerSecond: rate(wasm.seconds),
    onnxOneThreadImagesPerSecond: rate(one.seconds),
    onnxThreads: cores,
    onnxAllThreadsImagesPerSecond: rate(all.seconds),
    oneThreadRatio: Number((wasm.seconds / one.seconds).toFixed(2)),
    allThreadsRatio: Number((wasm.seconds / all.seconds).toFixed(2)),
  };
  log(
    `${side} px ${what}: wasm ${row.wasmImagesPerSecond} images/s, onnxruntime ${row.onnxOneThreadImagesPerSecond} on 1 thread (${row.oneThreadRatio}x), ${row.onnxAllThreadsImagesPerSecond} on ${cores} (${row.allThreadsRatio}x); within ${diff.toExponential(1)} (load ${load1m()})`,
  );
  return row;
}

async function measure(side: number, scratch: string) {
  const model = MaeModel.create(maeConfig('tiny', side), 1);
  const rng = new SeededRandom(2);
  // Off the initial values (no gamma 1, no bias 0), so every parameter's layout is checked.
  for (const { variable } of model.namedVariables) {
    const noise = Float32Array.from({ length: variable.size }, () => 0.05 * rng.normal());
    tf.tidy(() => variable.assign(tf.add(variable, tf.tensor(noise, variable.shape))));
  }
  const files = await exportOnnx(model, side, scratch);
  const pixels = images(IMAGES, side, rng);
  const loadBefore = load1m();
  const imageTensor = (batch: Float32Array, count: number) => new ort.Tensor('float32', batch, [count, 1, side, side]);
  const encoder = await compare(
    'encoder forward',
    side,
    async (batch, count) =>
      tf.tidy(() => model.encode(tf.tensor4d(batch, [count, side, side, 1])).dataSync() as Float32Array),
    (threads) =>
      onnxTimed(files.encoder, threads, pixels, side, (session) => async (batch, count) => {
        const out = await session.run({ images: imageTensor(batch, count) });
        return out.tokens.data;
      }),
    pixels,
  );
  const options = (first: number, count: number) => ({ masks: MASKS, seed: MASK_SEED, ids: range(first, count) });
  const scoring = await compare(
    `scoring (K = ${MASKS})`,
    side,
    async (batch, count, first) =>
      tf.tidy(
        () =>
          model
            .score(tf.tensor4d(batch, [count, side, side, 1]), options(first, count))
            .difficulty.dataSync() as Float32Array,
      ),
    (threads) =>
      onnxTimed(files.scorer, threads, pixels, side, (session) => async (batch, count, first) => {
        // The engine's masks (MaeModel.score's), one scorer run per mask, averaged as the engine does.
        const difficulty = new Float32Array(count);
        for (let k = 0; k < MASKS; k++) {
          const masks = makeMasks(range(first, count), model.patches, model.config.maskRatio, deriveSeed(MASK_SEED, k));
          const visible = new ort.Tensor('int64', BigInt64Array.from(masks.visible, BigInt), [count, masks.keep]);
          const out = await session.run({ images: imageTensor(batch, count), visible });
          out.error.data.forEach((e, b) => (difficulty[b] += e / MASKS));
        }
        return difficulty;
      }),
    pixels,
  );
  model.dispose();
  return {
    imageSize: side,
    images: IMAGES,
    batch: BATCH,
    encoder,
    scoring: { masks: MASKS, ...scoring },
    loadAverage1m: { before: loadBefore, after: load1m() },
  };
}

async function main(): Promise<void> {
  await selectBackend('wasm');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-onnx-bench-'));
  try {
    const rows = [];
    for (const side of SIZES) rows.push(await measure(side, scratch));
    process.stdout.write(
      `${JSON.stringify({
        measured: `encoder forward on whole images (tokens), and K = ${MASKS} mask scoring (difficulty) through the exported scorer`,
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
