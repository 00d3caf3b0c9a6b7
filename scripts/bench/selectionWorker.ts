// One measurement of scripts/bench/selection.mjs, in its own process so its peak memory is its own:
// builds the synthetic pool of N samples (dim 128, volumes of 100 near-duplicate slices, 2 key
// patches each), times (wall and CPU) a fixed reference workload (N x 100 x 128 dot products, k-means' assignment
// pass) and then one selection method at a 5% budget, exact or hierarchical. Prints one JSON line.
import { selectSubset, type SelectionMethod } from '../../src/engine/selection/methods';
import { dotRows, normalizeRows } from '../../src/engine/selection/vectors';
import { syntheticPool } from '../../test/unit/selection/syntheticPool';

// `<method>-hierarchical` (e.g. optidel-hierarchical) runs the method on its hierarchical path.
const [n, name] = [Number(process.argv[2]), process.argv[3]];
const hierarchical = name.endsWith('-hierarchical');
const method = name.replace(/-hierarchical$/, '') as SelectionMethod | 'none';
const dim = 128;
const pool = syntheticPool({ n, dim, sources: Math.max(1, Math.round(n / 100)), seed: 1 });
const rssBefore = process.memoryUsage().rss;

const unit = normalizeRows(pool.embeddings, dim);
const centroids = unit.slice(0, 100 * dim);
/** Wall and CPU seconds of `work`: on a shared, oversubscribed machine CPU time is the steadier of the two. */
function timed<T>(work: () => T): { value: T; wall: number; cpu: number } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const value = work();
  const used = process.cpuUsage(cpu);
  return { value, wall: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/**
 * The yardstick: each row's nearest of 100 centroids by one dotRows call per pair, as k-means'
 * assignment pass was written before it was fused (docs/performance.md). Its own loop, so that
 * speeding up the code under test does not move the yardstick too.
 */
function referenceWorkload(): Int32Array {
  const nearest = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let c = 0; c < 100; c++) {
      const s = dotRows(unit, i, centroids, c, dim);
      if (s > best) {
        best = s;
        nearest[i] = c;
      }
    }
  }
  return nearest;
}

const reference = timed(referenceWorkload);
const run =
  method === 'none' ? undefined : timed(() => selectSubset(method, pool, { budget: 0.05, seed: 1, hierarchical }));
process.stdout.write(
  `${JSON.stringify({
    n,
    method: name,
    seconds: run?.wall ?? 0,
    cpuSeconds: run?.cpu ?? 0,
    referenceSeconds: reference.wall,
    referenceCpuSeconds: reference.cpu,
    selected: run ? (run.value.patches?.length ?? run.value.selected.length) : 0,
    rssBeforeMiB: rssBefore / 2 ** 20,
  })}\n`,
);
