/** `optidel info`: which backend the engine runs on, why each other one was not taken, and its speed. */
import * as os from 'node:os';
import { OPTIDEL_VERSION } from '../version';
import * as tf from '@tensorflow/tfjs';
import type { EngineCommand } from '../command';
import { letCancelIn, throwIfCancelled } from '../command';
import { selectBackend } from '../backends/select';

export const infoCommand: EngineCommand<'info'> = {
  name: 'info',
  summary: 'Show the TensorFlow.js backend, why each other backend was not taken, and optionally its matmul speed',
  options: [
    {
      name: 'matmulSize',
      type: 'integer',
      description: 'measure fp32 matmul GFLOP/s on square matrices of this size (e.g. 1024)',
    },
    { name: 'matmulRepeats', type: 'integer', description: 'repetitions of the measured matmul (default 10)' },
  ],
  async run(args, ctx) {
    const selection = await selectBackend(ctx.backendPreference);
    const matmulGflops = args.matmulSize
      ? await measureMatmulGflops(args.matmulSize, args.matmulRepeats ?? 10, ctx.signal, (done, total) =>
          ctx.progress('info', done, total, 'matmul'),
        )
      : undefined;
    return {
      version: OPTIDEL_VERSION,
      backend: selection.backend,
      preference: selection.preference,
      tfjsVersion: tf.version.tfjs,
      nodeVersion: process.version,
      nodeExecutable: process.execPath,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      candidates: selection.candidates,
      matmulGflops,
      warnings: selection.warnings,
    };
  },
  describe(info) {
    const lines = [
      `backend: ${info.backend} (${info.preference === 'auto' ? 'first that worked' : 'forced'})`,
      `OptiDEL ${info.version}, TensorFlow.js ${info.tfjsVersion}, Node ${info.nodeVersion}, ${info.cpus} CPUs`,
    ];
    for (const c of info.candidates) lines.push(`  ${c.available ? '✓' : '✗'} ${c.name}: ${c.reason}`);
    if (info.matmulGflops !== undefined) lines.push(`matmul: ${info.matmulGflops.toFixed(1)} GFLOP/s`);
    for (const w of info.warnings) lines.push(`warning: ${w}`);
    return lines.join('\n');
  },
};

/** fp32 matmul throughput of the current backend; the ceiling the model's FLOP utilisation is measured against. */
export async function measureMatmulGflops(
  size: number,
  repeats: number,
  signal: AbortSignal,
  onStep?: (done: number, total: number) => void,
): Promise<number> {
  const a = tf.randomUniform([size, size]);
  const b = tf.randomUniform([size, size]);
  try {
    await tf.matMul(a, b).data(); // warm-up: kernels compiled, memory allocated
    let elapsed = 0;
    for (let i = 0; i < repeats; i++) {
      throwIfCancelled(signal);
      const start = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      elapsed += performance.now() - start;
      c.dispose();
      onStep?.(i + 1, repeats);
      await letCancelIn();
    }
    return (2 * size ** 3 * repeats) / (elapsed / 1000) / 1e9;
  } finally {
    a.dispose();
    b.dispose();
  }
}
