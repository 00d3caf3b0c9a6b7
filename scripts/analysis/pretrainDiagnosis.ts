/**
 * Why pre-training does not pay on the demo: the diagnosis behind docs/benchmark.md ("Why
 * pre-training does not pay on the demo"). For one benchmark's `full` encoder of one seed and the
 * untrained MAE of the same seed (`scratch`, seeded as the benchmark seeds it) it measures:
 *
 * 0. the pre-training loss curve, as logged;
 * 1. transfer: whether fine-tuning starts from the checkpoint's encoder (not from an
 *    initialisation), and that the encoder's tokens do not depend on the decoder or mask token;
 * 2. reconstruction: the masked-patch loss (per-patch normalised targets) on held-out images (the
 *    downstream test splits, left out of every pre-training) against trivial predictors (zero, that
 *    is each masked patch's own mean; the pool's mean normalised patch at that grid position), an
 *    oracle (the masked patch itself, blurred), and the same loss with every image's visible
 *    patches taken from another image (does the reconstruction use what the encoder saw?);
 * 3. information: the share of the tokens' variance that differs between images at one position,
 *    and a ridge-regression readout, fitted in closed form, from a token (or from the raw or
 *    normalised pixels of its patch) to the one-hot labels of its patch's pixels: the pixel head
 *    made linear, so features are compared with one readout and no training noise; for the
 *    tokens after each encoder block (0: the patch embedding with positions), the last normed;
 * 4. drift (with --drift): how far full fine-tuning moves the encoder's weights from its start.
 *
 *   node --import tsx scripts/analysis/pretrainDiagnosis.ts --run BENCH_RUN --config optidel.json
 *     [--seed 0] [--max-train 32] [--drift DATASET]
 *
 * BENCH_RUN is an `optidel bench` folder with a finished full-s<seed> checkpoint; writes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backends/select';
import { checkpointName } from '../../src/engine/bench/encoders';
import { loadConfig } from '../../src/engine/config/loadConfig';
import { openCache } from '../../src/engine/data/cache';
import { loadSegmentationDataset } from '../../src/engine/data/segmentation';
import { DEFAULT_FINETUNE, fineTune, type LabelledSplit } from '../../src/engine/downstream/finetune';
import { ConfusionMatrix, scoresFromConfusion } from '../../src/engine/downstream/metrics';
import { checkpointDir } from '../../src/engine/model/checkpoint';
import { MaeModel, normalisePatches, reconstructionTarget } from '../../src/engine/model/mae';
import { makeMasks } from '../../src/engine/model/masking';
import { deriveSeed } from '../../src/engine/model/rng';

const RIDGE = 1e-2;
const MASK_SEED = 0x7e57;

function arg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

function relativeDistance(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): number {
  let diff = 0;
  let norm = 0;
  a.forEach((t, i) => {
    const x = t.dataSync();
    const y = b[i].dataSync();
    for (let j = 0; j < x.length; j++) {
      diff += (x[j] - y[j]) ** 2;
      norm += y[j] ** 2;
    }
  });
  return Math.sqrt(diff / norm);
}

function images(split: LabelledSplit, size: number): tf.Tensor4D {
  return tf.tensor4d(split.images, [split.count, size, size, 1]);
}

/** 1. The checkpoint's encoder is what fine-tuning starts from, and the decoder does not reach it. */
async function transfer(full: MaeModel, scratch: MaeModel, dir: string, probe: tf.Tensor4D): Promise<void> {
  const again = await MaeModel.load(dir);
  const names = full.namedVariables.slice(0, full.encoderVariables.length).map((n) => n.name);
  console.log(`encoder variables (${names.length}): ${names[0]} .. ${names[names.length - 1]}`);
  console.log(`  loaded twice, relative distance ${relativeDistance(full.encoderVariables, again.encoderVariables)}`);
  console.log(
    `  checkpoint vs its seed's initialisation, relative distance ${relativeDistance(full.encoderVariables, scratch.encoderVariables).toFixed(3)}`,
  );
  const before = full.encode(probe);
  // Scramble every non-encoder variable of the second copy: the tokens must not change.
  again.variables
    .slice(again.encoderVariables.length)
    .forEach((v) => v.assign(tf.randomNormal(v.shape, 0, 1, 'float32', 1)));
  const after = again.encode(probe);
  console.log(
    `  tokens after scrambling decoder and mask token, max |change| ${tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]}`,
  );
  tf.dispose([before, after]);
  again.dispose();
}

/** 2. Masked-patch loss of each model and of two trivial predictors on held-out images. */
function reconstruction(models: Record<string, MaeModel>, heldOut: tf.Tensor4D, pool: tf.Tensor4D): void {
  const model = Object.values(models)[0];
  const n = model.patches;
  const ids = Array.from({ length: heldOut.shape[0] }, (_, i) => i);
  // reconstructionError draws mask k from deriveSeed(seed, k): the same mask as its first.
  const masks = makeMasks(ids, n, model.config.maskRatio, deriveSeed(MASK_SEED, 0));
  const masked = tf.tensor2d(masks.masked, [ids.length, n]);
  const maskedMean = (errors: tf.Tensor2D) => tf.div(tf.sum(tf.mul(errors, masked)), tf.sum(masked)).dataSync()[0];
  const target = normalisePatches(model.patchify(heldOut));
  const positionMean = tf.mean(normalisePatches(model.patchify(pool)), 0);
  console.log(`held-out images ${ids.length}, ${n} patches, mask ratio ${model.config.maskRatio}:`);
  console.log(`  zero (each patch's own mean): ${maskedMean(tf.mean(tf.square(target), -1)).toFixed(4)}`);
  console.log(
    `  the pool's mean normalised patch per position: ${maskedMean(tf.mean(tf.squaredDifference(target, positionMean), -1)).toFixed(4)}`,
  );
  // An oracle that knows each masked patch's content but for its finest detail (the same image
  // blurred by a 3 x 3 box): how much of the normalised target is detail a predictor can know.
  const blurred = normalisePatches(model.patchify(tf.avgPool(heldOut, 3, 1, 'same')));
  console.log(
    `  oracle, the masked patch itself blurred 3 x 3: ${maskedMean(tf.mean(tf.squaredDifference(target, blurred), -1)).toFixed(4)}`,
  );
  // The same masked targets with every image's visible patches taken from the next image: if the
  // loss hardly rises, the reconstruction does not use what the encoder saw.
  const swapped = withVisibleFromNext(heldOut, model, masks.masked);
  for (const [name, m] of Object.entries(models)) {
    const error = (x: tf.Tensor4D) => m.reconstructionError(x, { masks: 1, seed: MASK_SEED, ids }).mean().dataSync()[0];
    console.log(
      `  ${name}: ${error(heldOut).toFixed(4)}; visible patches from another image: ${error(swapped).toFixed(4)}`,
    );
  }
  tf.dispose([masked, target, positionMean, swapped]);
}

/** Images whose masked patches are their own and whose visible patches are the next image's. */
function withVisibleFromNext(batch: tf.Tensor4D, model: MaeModel, masked: Float32Array): tf.Tensor4D {
  const [count, size] = batch.shape;
  const p = model.config.patchSize;
  const grid = size / p;
  const pixels = batch.dataSync();
  const out = Float32Array.from(pixels);
  for (let b = 0; b < count; b++) {
    const from = (b + 1) % count;
    for (let t = 0; t < grid * grid; t++) {
      if (masked[b * grid * grid + t] === 1) continue;
      const [gy, gx] = [Math.floor(t / grid), t % grid];
      for (let py = 0; py < p; py++)
        for (let px = 0; px < p; px++) {
          const at = (gy * p + py) * size + gx * p + px;
          out[b * size * size + at] = pixels[from * size * size + at];
        }
    }
  }
  return tf.tensor4d(out, batch.shape);
}

/** Rows of a token's patch: its pixels (feature = 'pixels') or the label one-hots, in token order. */
function patchRows(values: ArrayLike<number>, count: number, size: number, p: number, classes?: number): Float32Array {
  const grid = size / p;
  const width = p * p * (classes ?? 1);
  const out = new Float32Array(count * grid * grid * width);
  for (let b = 0; b < count; b++)
    for (let gy = 0; gy < grid; gy++)
      for (let gx = 0; gx < grid; gx++)
        for (let py = 0; py < p; py++)
          for (let px = 0; px < p; px++) {
            const v = values[b * size * size + (gy * p + py) * size + gx * p + px];
            const row = ((b * grid + gy) * grid + gx) * width + (py * p + px) * (classes ?? 1);
            if (classes === undefined) out[row] = v;
            else out[row + v] = 1;
          }
  return out;
}

/** Solves (A + λI) x = B for symmetric positive definite A [d, d] by Cholesky; B [d, k]. */
function ridgeSolve(a: Float32Array, b: Float32Array, d: number, k: number): Float32Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j] + (i === j ? RIDGE : 0);
      for (let m = 0; m < j; m++) s -= l[i * d + m] * l[j * d + m];
      l[i * d + j] = i === j ? Math.sqrt(s) : s / l[j * d + j];
    }
  const x = new Float32Array(d * k);
  for (let c = 0; c < k; c++) {
    const y = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = b[i * k + c];
      for (let m = 0; m < i; m++) s -= l[i * d + m] * y[m];
      y[i] = s / l[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = y[i];
      for (let m = i + 1; m < d; m++) s -= l[m * d + i] * x[m * k + c];
      y[i] = s / l[i * d + i];
      x[i * k + c] = y[i];
    }
  }
  return x;
}

/** 3. Test mIoU (no background) of a least-squares readout from features [tokens, d] to patch label one-hots. */
function linearReadout(
  train: tf.Tensor2D,
  trainY: Float32Array,
  test: tf.Tensor2D,
  testLabels: Float32Array,
  classes: number,
): number {
  const k = trainY.length / train.shape[0];
  const { mean, variance } = tf.moments(train, 0);
  const scale = tf.rsqrt(tf.add(variance, 1e-6));
  const prep = (x: tf.Tensor2D) =>
    tf.concat([tf.mul(tf.sub(x, mean), scale), tf.ones([x.shape[0], 1])], 1) as tf.Tensor2D;
  const x = prep(train);
  const d = x.shape[1];
  const n = x.shape[0];
  const a = tf.div(tf.matMul(x, x, true, false), n).dataSync() as Float32Array;
  const b = tf.div(tf.matMul(x, tf.tensor2d(trainY, [n, k]), true, false), n).dataSync() as Float32Array;
  const w = tf.tensor2d(ridgeSolve(a, b, d, k), [d, k]);
  const scores = tf.matMul(prep(test), w);
  const predicted = tf.argMax(tf.reshape(scores, [-1, classes]), -1).dataSync();
  const truth = tf.argMax(tf.reshape(tf.tensor1d(testLabels), [-1, classes]), -1).dataSync();
  return scoresFromConfusion(new ConfusionMatrix(classes).add(truth, predicted)).mIoU;
}

/**
 * Share of the tokens' variance that is between images at the same grid position (what the image
 * says) rather than between positions (what the position embedding says): tokens [B, N, dim].
 */
function contentShare(tokens: tf.Tensor3D): number {
  const total = tf.sum(tf.moments(tokens, [0, 1]).variance);
  const withinPosition = tf.sum(tf.mean(tf.moments(tokens, 0).variance, 0));
  return tf.div(withinPosition, total).dataSync()[0];
}

function information(
  models: Record<string, MaeModel>,
  data: { classes: string[]; train: LabelledSplit; test: LabelledSplit },
  size: number,
): string {
  const model = Object.values(models)[0];
  const p = model.config.patchSize;
  const classes = data.classes.length;
  const y = patchRows(data.train.labels, data.train.count, size, p, classes);
  const yTest = patchRows(data.test.labels, data.test.count, size, p, classes);
  const cells: string[] = [];
  const pixels = (s: LabelledSplit) =>
    tf.tensor2d(patchRows(s.images, s.count, size, p), [s.count * model.patches, p * p]);
  cells.push(`pixels ${(100 * linearReadout(pixels(data.train), y, pixels(data.test), yTest, classes)).toFixed(1)}`);
  // The MAE's target: each patch's pixels without their mean and scale.
  const normalised = (s: LabelledSplit) =>
    tf.reshape(normalisePatches(tf.reshape(pixels(s), [1, -1, p * p]) as tf.Tensor3D), [-1, p * p]) as tf.Tensor2D;
  cells.push(
    `normalised pixels ${(100 * linearReadout(normalised(data.train), y, normalised(data.test), yTest, classes)).toFixed(1)}`,
  );
  for (const [name, m] of Object.entries(models)) {
    cells.push(`${name} content share ${contentShare(m.encode(images(data.test, size))).toFixed(3)}`);
    // After each block (0: patch embedding and positions alone): where the label information is lost.
    const byDepth: string[] = [];
    for (let depth = 0; depth <= m.depth; depth++) {
      const tokens = (s: LabelledSplit) =>
        tf.reshape(m.encode(images(s, size), depth), [-1, m.config.dim]) as tf.Tensor2D;
      byDepth.push((100 * linearReadout(tokens(data.train), y, tokens(data.test), yTest, classes)).toFixed(1));
    }
    cells.push(`${name} by depth 0..${m.depth} [${byDepth.join(' ')}]`);
  }
  return cells.join(', ');
}

/** Mean logged pre-training loss over fixed step ranges (metrics/full-s<seed>.jsonl). */
function lossCurve(run: string, seed: number): string {
  const file = path.join(run, 'metrics', `${checkpointName('full', seed, 1)}.jsonl`);
  const losses = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { step: number; name: string; value: number })
    .filter((r) => r.name === 'loss');
  const ranges: Array<[number, number]> = [
    [1, 100],
    [200, 300],
    [300, 450],
    [450, 600],
    [1000, 1200],
    [2200, 2400],
  ];
  return ranges
    .map(([from, to]) => {
      const values = losses.filter((r) => r.step >= from && r.step <= to).map((r) => r.value);
      return values.length ? `${from}-${to} ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(3)}` : '';
    })
    .filter(Boolean)
    .join(', ');
}

async function main(): Promise<void> {
  const run = arg('run');
  const configFile = arg('config');
  if (!run || !configFile) throw new Error('usage: pretrainDiagnosis.ts --run BENCH_RUN --config optidel.json');
  const maxTrain = Number(arg('max-train') ?? 32);
  await selectBackend('wasm');
  const loaded = await loadConfig(configFile);
  const size = loaded.config.imageSize;
  const seed = Number(arg('seed') ?? 0);
  const dir = checkpointDir(run, checkpointName('full', seed, 1));
  const full = await MaeModel.load(dir);
  const scratch = MaeModel.create(full.config, seed);
  const models = { scratch, full };
  const datasets = [];
  for (const d of loaded.config.downstream)
    datasets.push(await loadSegmentationDataset(loaded, d.name, { seed: loaded.config.seed, fold: seed, maxTrain }));

  console.log(`# 0. training loss, mean of the logged values over steps: ${lossCurve(run, seed)}`);
  console.log('# 1. transfer');
  const probe = images(datasets[0].test, size);
  await transfer(full, scratch, dir, probe);

  // The section compares losses on the normalised target, which a raw-pixel encoder was not trained on.
  const target = reconstructionTarget(full.config);
  if (target !== 'normalised') console.log(`# 2. reconstruction: skipped, this encoder reconstructs ${target}`);
  else {
    console.log('# 2. reconstruction');
    const cache = await openCache(run);
    const poolIds = Array.from({ length: Math.min(512, cache.size) }, (_, i) => Math.floor((i * cache.size) / 512));
    const pool = tf.tensor4d(await cache.read(poolIds), [poolIds.length, size, size, 1]);
    for (const d of datasets) {
      console.log(`## ${d.name}`);
      const heldOut = images(d.test, size);
      tf.tidy(() => reconstruction(models, heldOut, pool));
      heldOut.dispose();
    }
    await cache.close();
  }

  console.log('# 3. information: linear readout of patch labels, test mIoU without background, %');
  for (const d of datasets) console.log(`  ${d.name}: ${tf.tidy(() => information(models, d, size))}`);

  const driftSet = arg('drift');
  if (driftSet) {
    console.log(`# 4. drift: full fine-tuning on ${driftSet}, relative distance of the encoder from its start`);
    const data = datasets.find((d) => d.name === driftSet)!;
    for (const [name, m] of Object.entries(models)) {
      const start = m.encoderVariables.map((v) => v.clone());
      const at: string[] = [];
      const result = await fineTune(
        m,
        data,
        { ...DEFAULT_FINETUNE, seed },
        {
          signal: new AbortController().signal,
          onStep: (step) => {
            if ([1, 10, 50, 100, 200, 300].includes(step))
              at.push(`${step}: ${relativeDistance(m.encoderVariables, start).toFixed(3)}`);
          },
        },
      );
      console.log(
        `  ${name}: ${at.join(', ')}; test mIoU ${(100 * result.test.mIoU).toFixed(1)} (best step ${result.bestStep})`,
      );
      tf.dispose(start);
    }
  }
  console.log(`(run ${path.resolve(run)})`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
