/**
 * GPU benchmark (bundled by scripts/gpu/prepare.mjs into one file): MAE training throughput and
 * model FLOP utilisation for the tiny and base presets, pool scoring throughput (K masks, as
 * `optidel score` runs it) at 32, 64 and 224 px, and the backend's own matmul ceiling, on every
 * backend that starts here. Each backend runs in its own child process, because a process
 * initialises TensorFlow.js on one backend only.
 *
 *   node bench.js --out FILE [--backends webgpu,tensorflow,wasm] [--steps 10]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../src/shared/engineInfo';
import { selectBackend } from '../../src/engine/backends/select';
import { measureMatmulGflops } from '../../src/engine/commands/info';
import { AdamW } from '../../src/engine/model/adamw';
import { MaeModel, maeConfig, type MaePreset } from '../../src/engine/model/mae';
import { maeTrainingFlops } from '../../src/engine/model/flops';
import { trainStep } from '../../src/engine/model/pretrain';

interface PresetResult {
  preset: MaePreset;
  imageSize: number;
  batch: number;
  steps: number;
  imagesPerSecond: number;
  modelGflops: number;
  /** Model FLOP/s over the backend's best measured matmul FLOP/s. */
  flopUtilisation: number;
  finalLoss: number;
}

interface ScoringResult {
  preset: MaePreset;
  imageSize: number;
  batch: number;
  masks: number;
  images: number;
  imagesPerSecond: number;
}

interface BackendResult {
  backend: BackendName;
  ok: boolean;
  error?: string;
  devices?: string[];
  matmulGflops?: Record<string, number>;
  presets?: PresetResult[];
  scoring?: ScoringResult[];
  skipped?: string[];
}

const GPU_BACKENDS: readonly BackendName[] = ['tensorflow', 'webgpu'];
/** `optidel score`'s default number of random masks per image. */
const SCORING_MASKS = 4;
const never = new AbortController().signal;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function benchBackend(backend: BackendName, steps: number): Promise<BackendResult> {
  const selection = await selectBackend(backend);
  const gpu = GPU_BACKENDS.includes(backend);
  const matmulGflops: Record<string, number> = {};
  for (const size of gpu ? [1024, 4096] : [1024])
    matmulGflops[size] = await measureMatmulGflops(size, gpu ? 20 : 5, never);
  const ceiling = Math.max(...Object.values(matmulGflops));
  const presets: PresetResult[] = [];
  const skipped: string[] = [];
  for (const [preset, batch] of [
    ['tiny', 32],
    ['base', 16],
  ] as Array<[MaePreset, number]>) {
    if (preset === 'base' && !gpu) {
      skipped.push('base: ViT-B/16 at 224 px is for GPU backends (minutes per step on a CPU backend)');
      continue;
    }
    const config = maeConfig(preset);
    const model = MaeModel.create(config, 1);
    const optimizer = new AdamW(model.namedVariables, { weightDecay: 0.05, clipNorm: 1 });
    const pixels = new Float32Array(batch * config.imageSize ** 2).map((_, i) => 0.5 + 0.5 * Math.sin(i * 0.013));
    for (let i = 0; i < 3; i++) await trainStep(model, optimizer, pixels, config.imageSize, i, 1e-4); // kernels compiled, memory allocated
    const started = performance.now();
    let loss = 0;
    for (let i = 0; i < steps; i++) loss = await trainStep(model, optimizer, pixels, config.imageSize, 100 + i, 1e-4);
    const seconds = (performance.now() - started) / 1000;
    const modelGflops = (maeTrainingFlops(config, batch) * steps) / seconds / 1e9;
    presets.push({
      preset,
      imageSize: config.imageSize,
      batch,
      steps,
      imagesPerSecond: (batch * steps) / seconds,
      modelGflops,
      flopUtilisation: modelGflops / ceiling,
      finalLoss: loss,
    });
    optimizer.dispose();
    model.dispose();
  }
  const scoring: ScoringResult[] = [];
  for (const [preset, imageSize, batch] of [
    ['tiny', 32, 64],
    ['tiny', 64, 64],
    ['base', 224, 32],
  ] as Array<[MaePreset, number, number]>) {
    if (preset === 'base' && !gpu) continue; // the skip is recorded with training's, above
    scoring.push(await scoringSpeed(preset, imageSize, batch, gpu ? 20 : 4));
  }
  const devices = selection.candidates.find((c) => c.name === backend)?.devices;
  return { backend, ok: true, devices, matmulGflops, presets, scoring, skipped };
}

/** Images per second of MaeModel.score (K masks, difficulty read back) after one warm-up batch. */
async function scoringSpeed(
  preset: MaePreset,
  imageSize: number,
  batch: number,
  batches: number,
): Promise<ScoringResult> {
  const model = MaeModel.create(maeConfig(preset, imageSize), 1);
  const pixels = new Float32Array(batch * imageSize ** 2).map((_, i) => 0.5 + 0.5 * Math.sin(i * 0.013));
  const images = tf.tensor4d(pixels, [batch, imageSize, imageSize, 1]);
  const scoreBatch = async (first: number) => {
    const ids = Array.from({ length: batch }, (_, i) => first + i);
    const { difficulty, patchErrors, maskedCount } = model.score(images, { masks: SCORING_MASKS, seed: 7, ids });
    await difficulty.data(); // the read-back a real run does, so queued GPU work is counted
    tf.dispose([difficulty, patchErrors, maskedCount]);
  };
  await scoreBatch(0);
  const started = performance.now();
  for (let b = 1; b <= batches; b++) await scoreBatch(b * batch);
  const seconds = (performance.now() - started) / 1000;
  images.dispose();
  model.dispose();
  return {
    preset,
    imageSize,
    batch,
    masks: SCORING_MASKS,
    images: batch * batches,
    imagesPerSecond: (batch * batches) / seconds,
  };
}

async function child(): Promise<void> {
  const backend = flag('backend', 'wasm') as BackendName;
  const steps = Number(flag('steps', '10'));
  let result: BackendResult;
  try {
    result = await benchBackend(backend, steps);
  } catch (err) {
    result = { backend, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  process.stdout.write(`\n@@result ${JSON.stringify(result)}\n`);
}

function parent(): void {
  const out = flag('out', 'gpu-bench.json');
  const backends = flag('backends', 'tensorflow,webgpu,wasm').split(',') as BackendName[];
  const steps = flag('steps', '10');
  const results: BackendResult[] = [];
  for (const backend of backends) {
    process.stderr.write(`benchmarking ${backend}…\n`);
    const run = spawnSync(process.execPath, [__filename, '--child', '--backend', backend, '--steps', steps], {
      encoding: 'utf8',
      timeout: 20 * 60_000,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = /@@result (.*)/.exec(run.stdout ?? '')?.[1];
    results.push(
      line
        ? JSON.parse(line)
        : {
            backend,
            ok: false,
            error: `the benchmark process ended without a result (${run.signal ?? `exit ${run.status}`})`,
          },
    );
    process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
  }
  const report = {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpus: os.cpus().length,
    node: process.version,
    tfjs: tf.version.tfjs,
    results,
  };
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`wrote ${out}\n`);
}

if (process.argv.includes('--child')) void child();
else parent();
