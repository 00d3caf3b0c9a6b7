// One measurement of scripts/bench/hierarchical.mjs, in its own process so its peak memory is its
// own: the synthetic pool of N embeddings (dim 128, volumes of 100 near-duplicate slices, as in the
// selection bench), one diversity method at budget B, timed (wall and CPU), and, unless told not
// to, the quality of its picks: the coverage radius (the largest distance from a pool row to its
// nearest pick, on unit vectors: what k-center minimises) and the mean of those distances. Writes
// the picks to PICKS_FILE when given, so the parent can measure overlap. DIM (default 128) sets the
// embedding width. optidel's picks are its selected samples (from M x B key patches; the pool's
// per-sample difficulty and two key patches per sample). Prints one JSON line.
import * as fs from 'node:fs';
import { hierarchicalKMeansSelect } from '../../src/engine/selection/hierarchicalKMeans';
import { selectSubset, type SelectionMethod } from '../../src/engine/selection/methods';
import { kCenterGreedy } from '../../src/engine/selection/kcenter';
import { SeededRandom, permutation } from '../../src/engine/model/rng';
import { distanceRows, normalizeRows } from '../../src/engine/selection/vectors';
import { syntheticPool } from '../../test/unit/selection/syntheticPool';

const [n, budget, method, quality, picksFile, dim] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  process.argv[4],
  process.argv[5] !== 'no-quality',
  process.argv[6],
  Number(process.argv[7] ?? 128),
];
const pool = syntheticPool({ n, dim, sources: Math.max(1, Math.round(n / 100)), seed: 1 });
const unit = normalizeRows(pool.embeddings, dim);
/** A method as "optidel select" runs it, exact or on the hierarchical path. */
const select = (method: SelectionMethod, hierarchical: boolean) => () =>
  selectSubset(method, pool, { budget, seed: 1, hierarchical }).selected;

const METHODS: Record<string, () => number[]> = {
  none: () => [],
  random: () => Array.from(permutation(n, new SeededRandom(1)).subarray(0, budget)),
  // One region holding the whole pool: kcenter.ts's exact global greedy (pruned, same answer as the plain algorithm).
  'kcenter-exact': () => kCenterGreedy(unit, dim, { budget, seed: 1, regionSize: n }),
  // The default of "optidel select --method kcenter": exact greedy inside regions of 2048 rows.
  'kcenter-regions': () => kCenterGreedy(unit, dim, { budget, seed: 1 }),
  hierarchical: () => hierarchicalKMeansSelect(unit, dim, { budget, seed: 1 }).selected,
  'prototypes-exact': select('prototypes', false),
  'prototypes-hierarchical': select('prototypes', true),
  'meddel-exact': select('meddel', false),
  'meddel-hierarchical': select('meddel', true),
  'optidel-exact': select('optidel', false),
  'optidel-hierarchical': select('optidel', true),
};

if (!METHODS[method]) throw new Error(`unknown method "${method}"; one of ${Object.keys(METHODS).join(', ')}`);

const wall = performance.now();
const cpu = process.cpuUsage();
const picks = METHODS[method]();
const used = process.cpuUsage(cpu);
const seconds = (performance.now() - wall) / 1000;

/** Distance from every row to its nearest pick: the largest and the mean. */
function coverage(rows: number[]): { radius: number; meanDistance: number } {
  let radius = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let nearest = Infinity;
    for (const p of rows) {
      const d = distanceRows(unit, i, unit, p, dim);
      if (d < nearest) nearest = d;
    }
    radius = Math.max(radius, nearest);
    total += nearest;
  }
  return { radius, meanDistance: total / n };
}

if (picksFile) fs.writeFileSync(picksFile, JSON.stringify(picks));
process.stdout.write(
  `${JSON.stringify({
    n,
    budget,
    method,
    dim,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    picked: picks.length,
    distinct: new Set(picks).size,
    ...(quality && picks.length ? coverage(picks) : {}),
  })}\n`,
);
