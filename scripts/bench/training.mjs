// Training throughput of the MAE `tiny` preset on the engine's backend (wasm here), its model FLOP
// utilisation (model FLOPs/s over the backend's own 1024² matmul FLOPs/s, both measured in the
// same process), the kernel-time profile of one step, images/s at 1 and N data-parallel workers
// (TRAINING_BENCH_WORKERS, default the cores) at 32 and 64 px, and the PyTorch anchor of the same shape
// (../shared/anchors/mae_torch.py) run in the same benchmark. Prints one JSON object last.
// The anchor needs Debian's python3-torch and libopenblas0-pthread; without them it is skipped
// with a note. Env: TRAINING_BENCH_STEPS (default 8), TRAINING_BENCH_BATCHES (default 32,64),
// MAE_ANCHOR (path of mae_torch.py), ANCHOR_PYTHON (default /usr/bin/python3).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const python = process.env.ANCHOR_PYTHON ?? '/usr/bin/python3';
const anchor = process.env.MAE_ANCHOR ?? path.resolve(root, '..', 'shared', 'anchors', 'mae_torch.py');

function lastJson(stdout) {
  const line = stdout.trim().split('\n').pop() ?? '';
  return line.startsWith('{') ? JSON.parse(line) : undefined;
}

function ours() {
  console.error('training: TensorFlow.js (worker process)');
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/bench/trainingWorker.ts')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  const result = lastJson(run.stdout);
  if (run.status !== 0 || !result) throw new Error(`the training worker failed (exit ${run.status ?? run.signal})`);
  return result;
}

function pytorchAnchor() {
  if (!fs.existsSync(anchor)) return { skipped: `the anchor script ${anchor} is not there (set MAE_ANCHOR)` };
  if (!fs.existsSync(python))
    return { skipped: `${python} is missing: install Debian's python3 with python3-torch and libopenblas0-pthread` };
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return { skipped: `PyTorch is not installed for ${python}: apt-get install -y python3-torch libopenblas0-pthread` };
  const blas =
    spawnSync('update-alternatives', ['--query', 'libblas.so.3-x86_64-linux-gnu'], { encoding: 'utf8' }).stdout ?? '';
  const value = /^Value: (.*)$/m.exec(blas)?.[1];
  console.error('training: PyTorch anchor');
  const loadBefore = os.loadavg()[0];
  const started = Date.now();
  // Some machines pin OpenBLAS to older kernels (OPENBLAS_CORETYPE=Haswell: AVX2, no AVX-512) to
  // protect old builds; PyTorch's matmul then runs at a third of its speed. Compare against its best.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const run = spawnSync(python, [anchor], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30 * 60_000,
    env,
  });
  const result = lastJson(run.stdout ?? '');
  if (run.status !== 0 || !result) return { skipped: `the anchor failed (exit ${run.status ?? run.signal})` };
  return {
    ...result,
    blas: value ?? 'unknown (no update-alternatives)',
    seconds: (Date.now() - started) / 1000,
    loadAverage1mBefore: loadBefore,
    loadAverage1mAfter: os.loadavg()[0],
  };
}

const loadStart = os.loadavg();
const tfjs = ours();
const torch = pytorchAnchor();
const tfjsAgain = torch.skipped ? undefined : ours(); // bracket the anchor: the machine's load drifts
const main = tfjs.runs.find((r) => r.imageSize === 64 && r.batch === 32);
const mainAgain = tfjsAgain?.runs.find((r) => r.imageSize === 64 && r.batch === 32);
if (!main)
  throw new Error(
    `TRAINING_BENCH_BATCHES=${process.env.TRAINING_BENCH_BATCHES} has no 32: the PyTorch anchor trains 64 px at batch 32, and the summary compares with it`,
  );
const ourImagesPerSecond = mainAgain ? (main.imagesPerSecond + mainAgain.imagesPerSecond) / 2 : main.imagesPerSecond;
const summary = {
  preset: 'tiny (64 px, patch 8, dim 128, depth 4, heads 4, decoder 64x1), batch 32',
  backend: tfjs.backend,
  wasmThreads: tfjs.wasmThreads,
  imagesPerSecond: ourImagesPerSecond,
  cpuImagesPerSecond: main.cpuImagesPerSecond,
  mfu: main.mfu,
  cpuMfu: main.cpuMfu,
  mfuTarget: 0.3,
  matmulGflops: tfjs.matmul1024.wallGflops,
  pytorchImagesPerSecond: torch.train_images_per_s,
  pytorchMatmulGflops: torch.matmul_gflops_1024,
  oursOverPytorch: torch.train_images_per_s ? ourImagesPerSecond / torch.train_images_per_s : undefined,
  // Tiny preset at 32 and 64 px: 1 worker (the engine thread) and N data-parallel workers; the
  // 64 px row at batch 32 is the anchor's shape, so it says how N workers compare with PyTorch.
  dataParallel: tfjs.dataParallel.map((row) =>
    row.imageSize === 64 && row.batch === 32 && torch.train_images_per_s
      ? { ...row, overPytorch: row.imagesPerSecond / torch.train_images_per_s }
      : row,
  ),
  loadAverage1m: { start: loadStart[0], end: os.loadavg()[0] },
  note: "wall-clock figures on a shared machine swing with its load (see loadAverage); cpu* figures use this process's CPU time (the wasm backend is single-threaded in Node) and are steadier",
};
console.error(JSON.stringify(summary, null, 2));
process.stdout.write(`${JSON.stringify({ summary, tfjs, tfjsAgain, pytorch: torch })}\n`);
