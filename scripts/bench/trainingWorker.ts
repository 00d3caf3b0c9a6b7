/**
 * Measured in one process for scripts/bench/training.mjs: the backend's fp32 matmul speed, MAE
 * training throughput at the given presets and batch sizes, and where a training step's kernel
 * time goes. Wall-clock and process CPU time are both reported: on a shared machine CPU time is
 * the steadier one (the wasm backend runs on one thread in Node, so CPU time is compute time).
 * Data-parallel training (src/engine/model/dataParallel.ts) is measured at 1 and N workers back
 * to back: wall clock, and CPU time per image (all threads of the process), which says what the
 * split itself costs even where other processes take the cores. Env: TRAINING_BENCH_WORKERS
 * (default: the available cores), TRAINING_BENCH_DP_BATCH (the global batch of that comparison,
 * default 32). Prints one JSON object.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backends/select';
import { measureMatmulGflops } from '../../src/engine/commands/info';
import { AdamW } from '../../src/engine/model/adamw';
import { DataParallelTrainer, type StepPhases, type StepReport } from '../../src/engine/model/dataParallel';
import { maeTrainingFlops } from '../../src/engine/model/flops';
import type { MaePreset } from '../../src/engine/model/mae';
import { MaeModel, maeConfig } from '../../src/engine/model/mae';
import { trainStep } from '../../src/engine/model/pretrain';

interface Clocks {
  wall: number;
  cpu: number;
}

function clocks(): Clocks {
  const { user, system } = process.cpuUsage();
  return { wall: performance.now() / 1000, cpu: (user + system) / 1e6 };
}

function since(start: Clocks): Clocks {
  const now = clocks();
  return { wall: now.wall - start.wall, cpu: now.cpu - start.cpu };
}

async function matmulSpeed(size: number, repeats: number): Promise<{ wallGflops: number; cpuGflops: number }> {
  const signal = new AbortController().signal;
  await measureMatmulGflops(size, 1, signal);
  const start = clocks();
  const wallGflops = await measureMatmulGflops(size, repeats, signal);
  // The measured call also runs one warm-up product: count it for the CPU-time figure.
  return { wallGflops, cpuGflops: (2 * size ** 3 * (repeats + 1)) / since(start).cpu / 1e9 };
}

async function trainingSpeed(preset: MaePreset, imageSize: number, batch: number, steps: number) {
  const config = maeConfig(preset, imageSize);
  const model = MaeModel.create(config, 1);
  const optimizer = new AdamW(model.namedVariables, { weightDecay: 0.05, clipNorm: 1 });
  const pixels = new Float32Array(batch * imageSize * imageSize).map((_, i) => (Math.sin(i * 0.37) + 1) / 2);
  for (let i = 0; i < 2; i++) await trainStep(model, optimizer, pixels, imageSize, i, 1e-4);
  const start = clocks();
  for (let i = 0; i < steps; i++) await trainStep(model, optimizer, pixels, imageSize, 10 + i, 1e-4);
  const t = since(start);
  const flops = maeTrainingFlops(config, batch) * steps;
  const result = {
    preset,
    imageSize,
    batch,
    steps,
    imagesPerSecond: (batch * steps) / t.wall,
    cpuImagesPerSecond: (batch * steps) / t.cpu,
    stepMs: (1000 * t.wall) / steps,
    modelGflops: flops / t.wall / 1e9,
    cpuModelGflops: flops / t.cpu / 1e9,
  };
  optimizer.dispose();
  model.dispose();
  return result;
}

/** Kernel time of one training step by kernel name (tf.profile), largest first. */
async function stepProfile(preset: MaePreset, imageSize: number, batch: number) {
  const model = MaeModel.create(maeConfig(preset, imageSize), 1);
  const optimizer = new AdamW(model.namedVariables, { weightDecay: 0.05, clipNorm: 1 });
  const pixels = new Float32Array(batch * imageSize * imageSize).fill(0.5).map((v, i) => v + 0.4 * Math.sin(i));
  await trainStep(model, optimizer, pixels, imageSize, 0, 1e-4);
  const start = clocks();
  const info = await tf.profile(async () => {
    await trainStep(model, optimizer, pixels, imageSize, 1, 1e-4);
  });
  const wallMs = since(start).wall * 1000;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    // Nested scopes (fused ops, custom gradients) are listed too: count kernels only.
    if (!tf.getKernel(k.name, tf.getBackend())) continue;
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  optimizer.dispose();
  model.dispose();
  const kernels = [...byKernel]
    .map(([name, v]) => ({ name, ms: Number(v.ms.toFixed(2)), calls: v.calls }))
    .sort((a, b) => b.ms - a.ms);
  return {
    launches: info.kernels.length,
    kernelMs: Number(kernels.reduce((s, k) => s + k.ms, 0).toFixed(1)),
    profiledStepMs: Number(wallMs.toFixed(1)),
    top: kernels.slice(0, 12),
  };
}

/** Images per second of `workers` data-parallel threads on the tiny preset (startup not counted). */
async function dataParallelSpeed(imageSize: number, batch: number, steps: number, workers: number) {
  const model = MaeModel.create(maeConfig('tiny', imageSize), 1);
  const options = { weightDecay: 0.05, clipNorm: 1 };
  const optimizer = new AdamW(model.namedVariables, options);
  const trainer = await DataParallelTrainer.start(model, optimizer, { workers, batchSize: batch, optimizer: options });
  try {
    const pixels = new Float32Array(batch * imageSize * imageSize).map((_, i) => (Math.sin(i * 0.37) + 1) / 2);
    for (let i = 0; i < 2; i++) await trainer.run(i, pixels, i, 1e-4);
    const start = clocks();
    const reports: StepReport[] = [];
    for (let i = 0; i < steps; i++) reports.push(await trainer.run(2 + i, pixels, 10 + i, 1e-4));
    const t = since(start);
    // Where a step's time goes, per worker: mean milliseconds of each phase over the measured steps.
    const phaseMs = reports[0].phases.map((_, w) =>
      Object.fromEntries(
        (Object.keys(reports[0].phases[w]) as Array<keyof StepPhases>).map((k) => [
          k,
          Number(mean(reports.map((r) => r.phases[w][k])).toFixed(2)),
        ]),
      ),
    );
    return {
      imagesPerSecond: (batch * steps) / t.wall,
      cpuImagesPerSecond: (batch * steps) / t.cpu,
      phaseMs,
    };
  } finally {
    await trainer.close();
    optimizer.dispose();
    model.dispose();
  }
}

/** 1 worker (the engine thread, as --workers 1 trains) and N workers, back to back per image size. */
async function dataParallel(steps: number) {
  const workers = Number(process.env.TRAINING_BENCH_WORKERS ?? os.availableParallelism());
  // The global batch is split among the workers: at 32 and many cores each worker gets a sliver.
  const batch = Number(process.env.TRAINING_BENCH_DP_BATCH ?? 32);
  const sizes = [];
  for (const imageSize of [32, 64]) {
    const one = await trainingSpeed('tiny', imageSize, batch, steps);
    const many = await dataParallelSpeed(imageSize, batch, steps, workers);
    sizes.push({
      imageSize,
      batch,
      workers,
      oneWorkerImagesPerSecond: one.imagesPerSecond,
      imagesPerSecond: many.imagesPerSecond,
      speedup: many.imagesPerSecond / one.imagesPerSecond,
      // Images per CPU-second: 1 means the N workers do no more work per image than one thread.
      cpuEfficiency: many.cpuImagesPerSecond / one.cpuImagesPerSecond,
      phaseMs: many.phaseMs,
      loadAverage1m: os.loadavg()[0],
    });
  }
  return sizes;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function main(): Promise<void> {
  const selection = await selectBackend((process.env.OPTIDEL_BACKEND as 'wasm' | undefined) ?? 'wasm');
  const steps = Number(process.env.TRAINING_BENCH_STEPS ?? 8);
  const batches = (process.env.TRAINING_BENCH_BATCHES ?? '32,64').split(',').map(Number);
  const shapes: Array<[number, number]> = [...batches.map((b): [number, number] => [64, b]), [32, 32]];
  const withUtilisation = [];
  for (const [imageSize, batch] of shapes) {
    // The ceiling is the backend's own matmul speed, measured right before and after each run: the
    // load of a shared machine drifts within minutes, and a ratio of two speeds taken at different
    // moments would measure the drift.
    const before = await matmulSpeed(1024, 5);
    const run = await trainingSpeed('tiny', imageSize, batch, steps);
    const after = await matmulSpeed(1024, 5);
    const wallGflops = (before.wallGflops + after.wallGflops) / 2;
    const cpuGflops = (before.cpuGflops + after.cpuGflops) / 2;
    withUtilisation.push({
      ...run,
      matmulGflops: wallGflops,
      cpuMatmulGflops: cpuGflops,
      mfu: run.modelGflops / wallGflops,
      cpuMfu: run.cpuModelGflops / cpuGflops,
    });
  }
  const matmul = {
    wallGflops: mean(withUtilisation.map((r) => r.matmulGflops)),
    cpuGflops: mean(withUtilisation.map((r) => r.cpuMatmulGflops)),
  };
  const wasmThreads =
    selection.backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : undefined;
  const profile = await stepProfile('tiny', 64, 32);
  const parallel = await dataParallel(steps);
  process.stdout.write(
    `${JSON.stringify({ backend: selection.backend, wasmThreads, simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), matmul1024: matmul, runs: withUtilisation, profile, dataParallel: parallel })}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
