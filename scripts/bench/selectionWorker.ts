// One measurement of scripts/bench/selection.mjs, in its own process so its peak memory is its own:
// builds the synthetic pool of N samples (dim 128, volumes of 100 near-duplicate slices, 2 key
// patches each), times a fixed reference workload (N x 100 x 128 dot products, k-means' assignment
// pass) and then one selection method at a 5% budget. Prints one JSON line.
import { selectSubset, type SelectionMethod } from '../../src/engine/selection/methods';
import { assignNearest } from '../../src/engine/selection/kmeans';
import { normalizeRows } from '../../src/engine/selection/vectors';
import { syntheticPool } from '../../test/unit/selection/syntheticPool';

const [n, method] = [Number(process.argv[2]), process.argv[3] as SelectionMethod | 'none'];
const dim = 128;
const pool = syntheticPool({ n, dim, sources: Math.max(1, Math.round(n / 100)), seed: 1 });
const rssBefore = process.memoryUsage().rss;

const unit = normalizeRows(pool.embeddings, dim);
const centroids = unit.slice(0, 100 * dim);
let t = performance.now();
assignNearest(unit, centroids, dim, new Int32Array(n), new Float32Array(n));
const referenceSeconds = (performance.now() - t) / 1000;

let seconds = 0;
let selected = 0;
if (method !== 'none') {
  t = performance.now();
  const result = selectSubset(method, pool, { budget: 0.05, seed: 1 });
  seconds = (performance.now() - t) / 1000;
  selected = result.patches?.length ?? result.selected.length;
}
process.stdout.write(`${JSON.stringify({ n, method, seconds, referenceSeconds, selected, rssBeforeMiB: rssBefore / 2 ** 20 })}\n`);
