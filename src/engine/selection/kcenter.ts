/**
 * Greedy k-center (farthest-point) selection: repeatedly add the row farthest (Euclidean, on
 * unit-length embeddings) from everything selected so far.
 *
 * The plain algorithm costs O(N·B·D): at 100k x 5k x 128 that is 64 G multiply-adds, minutes in
 * JavaScript. Our scalable variant (a choice of ours, stated here and in the docs): the pool is cut
 * into regions of at most `regionSize` rows (the top-most nodes of a ball tree built by median
 * splits, O(N·D·log N)), the budget is shared among regions in proportion to their size (largest
 * remainder), and greedy k-center runs exactly inside each region. The cost is
 * O(N·D·log N + N·regionSize·budgetFraction·D), linear in N for a fixed region size; a pool no
 * larger than one region (the default 2048) gets the exact global greedy, tested against the plain
 * algorithm. Inside a region, distance evaluations are skipped by the triangle inequality on the
 * tree's balls (node center m, radius r: no row of the node gets closer to the new center c unless
 * d(c, m) - r < the node's largest current distance), which never changes the answer.
 */
import { SeededRandom } from '../model/rng';
import { buildBallTree, regions, rowsUnder } from './ballTree';
import { distanceRows } from './vectors';

export interface KCenterOptions {
  budget: number;
  seed: number;
  /** Rows per region of the scalable variant (default 2048); a pool this small gets the exact greedy. */
  regionSize?: number;
  /** The first center when the pool is one region (default: a seeded random row). */
  first?: number;
}

/** Rounding margin on the pruning bounds, so that float error can never skip a distance that matters. */
const SLACK = 1e-6;

/** `vectors` must be unit-length rows; returns `budget` distinct rows, region by region in greedy order. */
export function kCenterGreedy(vectors: Float32Array, dim: number, options: KCenterOptions): number[] {
  const n = vectors.length / dim;
  const budget = Math.min(options.budget, n);
  if (budget <= 0) return [];
  const rng = new SeededRandom(options.seed);
  const tree = buildBallTree(vectors, dim, { seed: options.seed });
  const groups = regions(tree, options.regionSize ?? 2048);
  const shares = largestRemainder(
    groups.map((g) => tree.size[g]),
    budget,
  );
  const nodes = tree.children.length;
  const nearest = new Float64Array(n).fill(Infinity);
  // Per node: the largest distance to the selection among its rows, and the lowest row index reaching it.
  const nodeMax = new Float64Array(nodes).fill(Infinity);
  const nodeArg = new Int32Array(nodes).fill(-1);

  const update = (node: number, center: number): void => {
    const dcm = distanceRows(vectors, center, tree.centers, node, dim);
    if (dcm - tree.radius[node] >= nodeMax[node] + SLACK) return;
    let max = -1;
    let arg = -1;
    const take = (value: number, row: number) => {
      if (row >= 0 && (value > max || (value === max && row < arg))) {
        max = value;
        arg = row;
      }
    };
    if (tree.children[node].length === 0) {
      for (const p of tree.members[node]) {
        if (dcm - tree.toLeafCenter[p] < nearest[p] + SLACK) {
          const d = distanceRows(vectors, p, vectors, center, dim);
          if (d < nearest[p]) nearest[p] = d;
        }
        take(nearest[p], p);
      }
    } else {
      for (const child of tree.children[node]) {
        update(child, center);
        take(nodeMax[child], nodeArg[child]);
      }
    }
    nodeMax[node] = max;
    nodeArg[node] = arg;
  };

  const selected: number[] = [];
  groups.forEach((group, g) => {
    const rows = rowsUnder(tree, group);
    const chosen = new Set<number>();
    let center = groups.length === 1 && options.first !== undefined ? options.first : rows[rng.int(rows.length)];
    while (chosen.size < shares[g]) {
      chosen.add(center);
      selected.push(center);
      update(group, center);
      center = nodeArg[group];
      // Every remaining row coincides with a selected one: coverage cannot grow, so fill at random.
      if (center < 0 || nearest[center] <= 0) break;
    }
    for (const p of rng.shuffle(rows)) {
      if (chosen.size >= shares[g]) break;
      if (!chosen.has(p)) {
        chosen.add(p);
        selected.push(p);
      }
    }
  });
  return selected;
}

/** Integer shares of `total` proportional to `sizes` (largest remainder; ties to the earlier entry), each at most its size. */
export function largestRemainder(sizes: number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s * total) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((_, i) => i).sort((a, b) => exact[b] - shares[b] - (exact[a] - shares[a]) || a - b);
  for (const i of order) {
    if (left === 0) break;
    if (shares[i] < sizes[i]) {
      shares[i]++;
      left--;
    }
  }
  return shares;
}
