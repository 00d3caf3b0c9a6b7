// Hierarchical k-means selection (src/engine/selection/hierarchicalKMeans.ts) against the exact
// methods (greedy k-center, prototypes, MedDEL, OptiDEL): at 100k synthetic embeddings (dim 128, budget 1%)
// the coverage radius (largest distance from a pool row to its nearest pick, what k-center
// minimises), the mean such distance, and the overlap of each method's picks with exact k-center's
// and with its own exact method's; at 1M, time and peak memory only
// (exact k-center and the coverage measurement are O(N·B·D), out of reach there). Each
// measurement runs in its own process. `random` is the floor every diversity method must beat.
// optidel picks the samples of its 4 x B key patches, more than B, so its coverage is not comparable.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'hierarchicalWorker.ts');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');
const log = (m) => process.stderr.write(`${m}\n`);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-hier-'));

function measure(n, budget, method, quality) {
  const picksFile = path.join(scratch, `${method}-${n}.json`);
  const args = ['--import', 'tsx', '--require', rssHook, worker, String(n), String(budget), method];
  args.push(quality ? 'quality' : 'no-quality', picksFile);
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (run.status !== 0) throw new Error(`hierarchical bench ${method} at ${n} failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(run.stderr);
  const picks = JSON.parse(fs.readFileSync(picksFile, 'utf8'));
  log(
    `${method.padEnd(16)} N=${n} B=${budget}: ${result.seconds.toFixed(1)} s (CPU ${result.cpuSeconds.toFixed(1)} s)` +
      (result.radius !== undefined
        ? `, radius ${result.radius.toFixed(4)}, mean ${result.meanDistance.toFixed(4)}`
        : ''),
  );
  return { ...result, peakMiB: rss ? Number(rss[1]) / 1024 : undefined, picks };
}

const overlap = (a, b) => {
  const set = new Set(b);
  return a.filter((x) => set.has(x)).length / Math.max(1, a.length);
};

const quality = (() => {
  const [n, budget] = [100_000, 1_000];
  const rows = [
    'random',
    'kcenter-exact',
    'kcenter-regions',
    'hierarchical',
    'prototypes-exact',
    'prototypes-hierarchical',
    'meddel-exact',
    'meddel-hierarchical',
    'optidel-exact',
    'optidel-hierarchical',
  ].map((m) => measure(n, budget, m, true));
  const exact = rows.find((r) => r.method === 'kcenter-exact');
  // Each hierarchical variant's own exact method (kcenter's is exact k-center).
  const ownExact = (method) =>
    rows.find(
      (r) => r.method === (method === 'hierarchical' ? 'kcenter-exact' : method.replace('-hierarchical', '-exact')),
    );
  return {
    n,
    budget,
    dim: 128,
    methods: rows.map(({ picks, ...r }) => ({
      ...r,
      overlapWithExact: overlap(picks, exact.picks),
      ...(r.method === 'hierarchical' || r.method.endsWith('-hierarchical')
        ? { overlapWithOwnExact: overlap(picks, ownExact(r.method).picks) }
        : {}),
      radiusVsExact: r.radius / exact.radius,
      meanDistanceVsExact: r.meanDistance / exact.meanDistance,
    })),
  };
})();

const scale = (() => {
  const [n, budget] = [1_000_000, 10_000];
  const rows = [
    'none',
    'kcenter-regions',
    'hierarchical',
    'prototypes-hierarchical',
    'meddel-hierarchical',
    'optidel-hierarchical',
  ].map((m) => measure(n, budget, m, false));
  const baseline = rows.find((r) => r.method === 'none').peakMiB;
  return {
    n,
    budget,
    dim: 128,
    methods: rows.map(({ picks: _picks, ...r }) => ({ ...r, methodMiB: r.peakMiB - baseline })),
  };
})();

fs.rmSync(scratch, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ quality, scale })}\n`);
