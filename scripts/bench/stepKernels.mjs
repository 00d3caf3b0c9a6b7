// Kernel launches and milliseconds per MAE pre-training step (tiny preset, batch 32, 32 and 64 px,
// wasm backend): scripts/bench/stepKernelsWorker.ts in a fresh process per measurement.
// `--base=PATH` also measures the checkout at PATH (the base of a change), alternating base and
// this tree twice so the load's drift falls on both; each measurement records the load average.
// Prints one JSON object last.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const base = process.argv.find((a) => a.startsWith('--base='))?.slice('--base='.length);

function measure(tree) {
  console.error(`stepKernels: ${tree}`);
  const loadAverage1mBefore = os.loadavg()[0];
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/bench/stepKernelsWorker.ts')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, STEP_KERNELS_ROOT: tree },
  });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`the worker failed for ${tree} (exit ${run.status})`);
  return { ...JSON.parse(line), loadAverage1mBefore, loadAverage1mAfter: os.loadavg()[0] };
}

const order = base ? [base, root, base, root] : [root];
const measured = order.map(measure);
const byTree = (tree) => measured.filter((m) => m.root === path.resolve(tree));
const summarise = (tree) =>
  [32, 64].map((imageSize) => {
    const runs = byTree(tree).map((m) => m.runs.find((r) => r.imageSize === imageSize));
    const best = (key) => Math.min(...runs.map((r) => r[key]));
    return {
      imageSize,
      launches: runs[0].launches,
      kernels: runs[0].kernels,
      cpuMsPerStep: best('cpuMsPerStep'),
      wallMsPerStep: best('wallMsPerStep'),
    };
  });
const summary = {
  preset: 'tiny, batch 32, wasm; ms per step: the lower of the medians of the measurements',
  branch: summarise(root),
  ...(base ? { base: summarise(base) } : {}),
  loadAverage1m: measured.map((m) => [m.loadAverage1mBefore, m.loadAverage1mAfter]),
};
console.error(JSON.stringify(summary, null, 2));
process.stdout.write(`${JSON.stringify({ summary, measured })}\n`);
