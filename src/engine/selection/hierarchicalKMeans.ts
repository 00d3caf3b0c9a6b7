/**
 * Diversity selection for pools of millions without pairwise work: hierarchical k-means with
 * balanced sampling, after the data curation of Vo et al. 2024 ("Automatic data curation for
 * self-supervised learning: a clustering-based approach"). The pool is clustered at several
 * levels and the budget is shared evenly among the clusters of each level (a cluster too small
 * for its share gives all it has and the rest goes to its siblings), down to the leaves. Dense
 * regions of the embedding space thus get no more picks than sparse ones, which is what k-center
 * achieves by distance alone.
 *
 * Two differences from the paper, choices of ours. Inside a leaf the picks are not drawn at
 * random but by the method the path stands in for (`LeafPick`): for k-center, first the row
 * nearest the leaf's mean, then each time the row farthest from the picks so far; prototypes,
 * MedDEL and OptiDEL pick inside a leaf by their own rule (prototypes.ts, meddel.ts, optidel.ts, the
 * last in key patches), on leaves of about `picksPerLeaf` picks so the rule has rows to choose among. And the levels are built top-down (every cluster split by k-means into at most `branching`
 * children, as many as leaves of `leafSize` rows it would take, until a cluster holds at most
 * `leafSize` rows) rather than bottom-up (k-means on the rows with as many clusters as leaves,
 * then on the centroids). Bottom-up's first level needs N x leaves distances; top-down needs N x
 * branching per level, O(N·branching·D·levels) in all, linear in N. Quality against exact k-center,
 * and time at 1M: `npm run bench -- hierarchical` (docs/scale-out.md).
 */
import type { SelectionHierarchy } from '../../shared/artifacts';
import { SeededRandom } from '../model/rng';
import { clusterMembers, kmeans } from './kmeans';
import { distanceRows, dotRows, gatherRows } from './vectors';

export interface HierarchicalOptions {
  budget: number;
  seed: number;
  /** Children per cluster (default `DEFAULT_BRANCHING`). */
  branching?: number;
}

export const DEFAULT_BRANCHING = 32;

/** The picks, and the hierarchy they were made on (recorded in the selection file). */
export interface HierarchicalSelection {
  selected: number[];
  hierarchy: SelectionHierarchy;
}

/**
 * How a method picks inside a leaf: `share` distinct rows of its `rows` (share < rows.length), on
 * leaves sized for `picksPerLeaf` picks. With `capacity`, the picks are the method's own units,
 * not rows (optidel: key patches), row r holding capacity[r] of them; the budget and every share
 * are then counted in those units, and `share` is at most the leaf's total.
 */
export interface LeafRule {
  pick(vectors: Float32Array, dim: number, rows: Int32Array, share: number): number[];
  picksPerLeaf: number;
  capacity?: ArrayLike<number>;
}

interface ClusterNode {
  rows: Int32Array;
  children: ClusterNode[];
}

/**
 * `vectors` must be unit-length rows; picks `budget` distinct rows (cluster by cluster), each
 * leaf's share chosen by `rule` (default: k-center's), or `budget` of the rule's units when it
 * has a capacity. A cluster of at most `rule.picksPerLeaf` x pool / budget rows is a leaf.
 * Deterministic for a seed.
 */
export function hierarchicalKMeansSelect(
  vectors: Float32Array,
  dim: number,
  options: HierarchicalOptions,
  rule: LeafRule = K_CENTER_IN_LEAF,
): HierarchicalSelection {
  const n = vectors.length / dim;
  const { capacity } = rule;
  const size = capacity ? (rows: Int32Array) => rows.reduce((sum, r) => sum + capacity[r], 0) : rowsIn;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const budget = Math.min(Math.max(0, Math.floor(options.budget)), size(all));
  const branching = Math.max(2, options.branching ?? DEFAULT_BRANCHING);
  if (budget === 0) return { selected: [], hierarchy: { branching, levels: 0, leaves: 0 } };
  const leafSize = Math.max(1, Math.floor((rule.picksPerLeaf * n) / budget));
  const rng = new SeededRandom(options.seed);
  const root = buildTree(vectors, dim, all, branching, leafSize, rng);
  const selected: number[] = [];
  sample(root, budget, rng, selected, size, (rows, share) =>
    !capacity && share >= rows.length ? Array.from(rows) : rule.pick(vectors, dim, rows, share),
  );
  return { selected, hierarchy: { branching, ...shape(root) } };
}

/** Levels of clusters below `node` and the leaves they end in. */
function shape(node: ClusterNode): { levels: number; leaves: number } {
  if (node.children.length === 0) return { levels: 0, leaves: 1 };
  const below = node.children.map(shape);
  return {
    levels: 1 + Math.max(...below.map((b) => b.levels)),
    leaves: below.reduce((sum, b) => sum + b.leaves, 0),
  };
}

const rowsIn = (rows: Int32Array) => rows.length;

function buildTree(
  vectors: Float32Array,
  dim: number,
  rows: Int32Array,
  branching: number,
  leafSize: number,
  rng: SeededRandom,
): ClusterNode {
  if (rows.length <= leafSize) return { rows, children: [] };
  const own = rows.length === vectors.length / dim ? vectors : gatherRows(vectors, dim, rows);
  // No more children than leaves of leafSize it would take: a finer split leaves most children without a pick.
  const children = Math.min(branching, Math.ceil(rows.length / leafSize));
  const { assignment, k } = kmeans(own, dim, { k: children, seed: rng.int(2 ** 31) });
  const groups = clusterMembers(assignment, k).filter((m) => m.length > 0);
  // All rows in one cluster (duplicates): k-means cannot split it further.
  if (groups.length < 2) return { rows, children: [] };
  return {
    rows,
    children: groups.map((members) =>
      buildTree(
        vectors,
        dim,
        members.map((m) => rows[m]),
        branching,
        leafSize,
        rng,
      ),
    ),
  };
}

function sample(
  node: ClusterNode,
  share: number,
  rng: SeededRandom,
  out: number[],
  size: (rows: Int32Array) => number,
  pick: (rows: Int32Array, share: number) => number[],
): void {
  if (share === 0) return;
  if (node.children.length === 0) {
    out.push(...pick(node.rows, share));
    return;
  }
  const shares = balancedShares(
    node.children.map((c) => size(c.rows)),
    share,
    rng,
  );
  node.children.forEach((child, i) => sample(child, shares[i], rng, out, size, pick));
}

/** Each row's dot product with the mean of `rows`: ordered as the cosine similarity to the leaf's centroid (rows are unit length). */
export function similarityToMean(vectors: Float32Array, dim: number, rows: Int32Array): Float64Array {
  const mean = new Float32Array(dim);
  for (const r of rows) for (let d = 0; d < dim; d++) mean[d] += vectors[r * dim + d];
  return Float64Array.from(rows, (r) => dotRows(vectors, r, mean, 0, dim));
}

/** k-center inside a leaf of about one pick: the row nearest the leaf's mean, then each time the row farthest from those picked. */
const K_CENTER_IN_LEAF: LeafRule = { pick: kCenterInLeaf, picksPerLeaf: 1 };

function kCenterInLeaf(vectors: Float32Array, dim: number, rows: Int32Array, share: number): number[] {
  const similarity = similarityToMean(vectors, dim, rows);
  let next = 0;
  similarity.forEach((s, i) => {
    if (s > similarity[next]) next = i;
  });
  const nearest = new Float64Array(rows.length).fill(Infinity);
  const picks: number[] = [];
  while (picks.length < share) {
    const center = rows[next];
    picks.push(center);
    let farthest = -1;
    rows.forEach((r, i) => {
      const d = distanceRows(vectors, r, vectors, center, dim);
      if (d < nearest[i]) nearest[i] = d;
      if (farthest < 0 || nearest[i] > nearest[farthest]) farthest = i;
    });
    next = farthest;
  }
  return picks;
}

/**
 * `total` shared as evenly as the sizes allow (water-filling: the smallest take all they have, the
 * others equal parts); the units left by rounding go one each to clusters with room, in a seeded
 * order so no cluster is favoured by its position.
 */
export function balancedShares(sizes: readonly number[], total: number, rng: SeededRandom): number[] {
  const shares = new Array<number>(sizes.length).fill(0);
  const bySize = sizes.map((_, i) => i).sort((a, b) => sizes[a] - sizes[b] || a - b);
  let left = Math.min(
    total,
    sizes.reduce((a, b) => a + b, 0),
  );
  bySize.forEach((i, position) => {
    shares[i] = Math.min(sizes[i], Math.floor(left / (sizes.length - position)));
    left -= shares[i];
  });
  const order = rng.shuffle(sizes.map((_, j) => j));
  while (left > 0) {
    for (const i of order) {
      if (left > 0 && shares[i] < sizes[i]) {
        shares[i]++;
        left--;
      }
    }
  }
  return shares;
}
