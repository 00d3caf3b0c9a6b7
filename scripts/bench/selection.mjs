// Selection benchmark: time and peak memory of every selection method at pool sizes 10k and 100k
// (synthetic embeddings of dim 128 and difficulty scores; 5% budget), each measurement in its own
// process. The machine is shared, so every measurement also times a fixed reference workload
// (N x 100 x 128 dot products) in the same process: `relative` = method time / reference time is
// the number to compare across runs, and the spread of the reference between runs is the noise.
// Times are wall and CPU seconds; with up to 8 processes sharing 2 cores, CPU time is the steadier.
// Growth: time(100k) / time(10k) against N log N's ratio (12.5); target no worse than about that.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'selectionWorker.ts');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');
const SIZES = [10_000, 100_000];
const METHODS = ['none', 'random', 'full', 'prototypes', 'meddel', 'kcenter', 'optidel'];
const log = (m) => process.stderr.write(`${m}\n`);

function measure(n, method) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--require', rssHook, worker, String(n), method], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (run.status !== 0) throw new Error(`selection bench ${method} at ${n} failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(run.stderr);
  return { ...result, peakMiB: rss ? Number(rss[1]) / 1024 : undefined };
}

const rows = [];
for (const n of SIZES) {
  for (const method of METHODS) {
    const r = measure(n, method);
    rows.push(r);
    log(
      `${method.padEnd(10)} N=${String(n).padStart(6)}: ${r.seconds.toFixed(2)} s, CPU ${r.cpuSeconds.toFixed(2)} s (reference ${r.referenceSeconds.toFixed(2)} s), peak ${r.peakMiB?.toFixed(0)} MiB`,
    );
  }
}
const nLogN = (SIZES[1] * Math.log(SIZES[1])) / (SIZES[0] * Math.log(SIZES[0]));
const baselinePeak = Object.fromEntries(
  SIZES.map((n) => [n, rows.find((r) => r.n === n && r.method === 'none').peakMiB]),
);
const methods = METHODS.filter((m) => m !== 'none').map((method) => {
  const [small, large] = SIZES.map((n) => rows.find((r) => r.n === n && r.method === method));
  const growth = small.seconds > 0.01 ? large.seconds / small.seconds : null;
  const cpuGrowth = small.cpuSeconds > 0.01 ? large.cpuSeconds / small.cpuSeconds : null;
  // The same growth with each time measured in its own process's reference units (which grow
  // linearly in N): corrects for the machine being busier during one measurement than the other.
  const normalisedGrowth =
    growth === null
      ? null
      : (large.seconds / large.referenceSeconds / (small.seconds / small.referenceSeconds)) * (SIZES[1] / SIZES[0]);
  return {
    method,
    sizes: [small, large].map((r) => ({
      n: r.n,
      seconds: r.seconds,
      cpuSeconds: r.cpuSeconds,
      relative: r.seconds / r.referenceSeconds,
      peakMiB: r.peakMiB,
      // Peak memory above the same pool generated without selecting (the method's own working set).
      methodMiB: r.peakMiB - baselinePeak[r.n],
      selected: r.selected,
    })),
    growth,
    cpuGrowth,
    cpuGrowthVsNLogN: cpuGrowth === null ? null : cpuGrowth / nLogN,
    normalisedGrowth,
    growthVsNLogN: growth === null ? null : growth / nLogN,
    normalisedGrowthVsNLogN: normalisedGrowth === null ? null : normalisedGrowth / nLogN,
  };
});
const references = rows.map((r) => r.referenceSeconds / r.n);
const cpuReferences = rows.map((r) => r.referenceCpuSeconds / r.n);
const cpuNoise = (Math.max(...cpuReferences) - Math.min(...cpuReferences)) / Math.min(...cpuReferences);
const noise = (Math.max(...references) - Math.min(...references)) / Math.min(...references);
for (const m of methods)
  log(
    `${m.method.padEnd(10)} growth x${m.growth?.toFixed(1) ?? '-'}, CPU x${m.cpuGrowth?.toFixed(1) ?? '-'}, normalised x${m.normalisedGrowth?.toFixed(1) ?? '-'} (N log N x${nLogN.toFixed(1)})`,
  );
process.stdout.write(
  `${JSON.stringify({ budget: 0.05, dim: 128, nLogNRatio: nLogN, referenceSpread: noise, referenceCpuSpread: cpuNoise, methods })}\n`,
);
