/**
 * Measured in one process for scripts/bench/stepKernels.mjs: kernel launches per MAE training
 * step (tf.profile) and milliseconds per step (wall and this process's CPU time) of the `tiny`
 * preset at batch 32, 32 and 64 px, on the wasm backend. The engine is imported from the source
 * tree STEP_KERNELS_ROOT (default the working directory), so another checkout (the base of a change) is
 * measured by the same script. Env: STEP_KERNELS_STEPS (steps per round, default 5),
 * STEP_KERNELS_ROUNDS (default 3). Prints one JSON object.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type * as Select from '../../src/engine/backends/select';
import type * as Adam from '../../src/engine/model/adamw';
import type * as Mae from '../../src/engine/model/mae';
import type * as Pretrain from '../../src/engine/model/pretrain';

const root = path.resolve(process.env.STEP_KERNELS_ROOT ?? process.cwd());
const engine = async <T>(module: string): Promise<T> => (await import(path.join(root, 'src', 'engine', module))) as T;

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const round = (v: number) => Number(v.toFixed(1));

async function measure(
  { AdamW, MaeModel, maeConfig, trainStep }: typeof Adam & typeof Mae & typeof Pretrain,
  imageSize: number,
  batch: number,
  steps: number,
  rounds: number,
) {
  const model = MaeModel.create(maeConfig('tiny', imageSize), 1);
  const optimizer = new AdamW(model.namedVariables, { weightDecay: 0.05, clipNorm: 1 });
  const pixels = new Float32Array(batch * imageSize * imageSize).map((_, i) => (Math.sin(i * 0.37) + 1) / 2);
  let step = 0;
  for (; step < 2; step++) await trainStep(model, optimizer, pixels, imageSize, step, 1e-4);
  const info = await tf.profile(async () => {
    await trainStep(model, optimizer, pixels, imageSize, step++, 1e-4);
  });
  // tf.profile lists nested scopes (fused ops, custom gradients) beside kernels: count both ways.
  const launched = info.kernels.filter((k) => tf.getKernel(k.name, tf.getBackend()) !== undefined);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of launched) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.calls++;
    byKernel.set(k.name, entry);
  }
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const wall = performance.now();
    const cpu = cpuSeconds();
    for (let i = 0; i < steps; i++) await trainStep(model, optimizer, pixels, imageSize, step++, 1e-4);
    wallMs.push((performance.now() - wall) / steps);
    cpuMs.push((1000 * (cpuSeconds() - cpu)) / steps);
  }
  optimizer.dispose();
  model.dispose();
  return {
    imageSize,
    batch,
    launches: info.kernels.length,
    kernels: launched.length,
    // Kernel time of the profiled step by kernel, largest first: where the rest of the time goes.
    topKernels: [...byKernel]
      .map(([name, v]) => ({ name, ms: round(v.ms), calls: v.calls }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8),
    cpuMsPerStep: round(median(cpuMs)),
    wallMsPerStep: round(median(wallMs)),
    roundsCpuMs: cpuMs.map(round),
    roundsWallMs: wallMs.map(round),
  };
}

async function main(): Promise<void> {
  await (await engine<typeof Select>('backends/select.ts')).selectBackend('wasm');
  const modules = {
    ...(await engine<typeof Adam>('model/adamw.ts')),
    ...(await engine<typeof Mae>('model/mae.ts')),
    ...(await engine<typeof Pretrain>('model/pretrain.ts')),
  };
  const steps = Number(process.env.STEP_KERNELS_STEPS ?? 5);
  const rounds = Number(process.env.STEP_KERNELS_ROUNDS ?? 3);
  const runs = [];
  for (const imageSize of [32, 64]) runs.push(await measure(modules, imageSize, 32, steps, rounds));
  process.stdout.write(`${JSON.stringify({ root, steps, rounds, runs })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
