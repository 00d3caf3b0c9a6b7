/**
 * A ball tree over embedding rows, for exact pruned searches (k-center, near-duplicate checks,
 * meddel's duplicate leaves). Every node keeps a center and the radius of a ball around it holding
 * all its rows, so a search can skip a whole node by the triangle inequality: no row of the node is
 * closer to x than d(x, center) - radius. The partition only changes speed, never results.
 *
 * Optionally the root's children are given (meddel's k-means clusters). Below that, nodes split in
 * two at the median of their rows' projections on the axis between two far-apart rows (a cheap
 * stand-in for the principal axis), until at most `leafSize` rows remain: each level costs about
 * 3·N·D, so the build is O(N·D·log N).
 */
import { SeededRandom } from '../model/rng';
import { orderByKey } from './orderByKey';
import { distanceRows, dotRows } from './vectors';

/** Relative margin on the radius bound, far above the distances' rounding (about 1e-14 at dim 128). */
const RADIUS_BOUND_MARGIN = 1e-9;

export interface BallTreeOptions {
  seed: number;
  /** Default 64. */
  leafSize?: number;
  /** Row groups that become the root's children (for example k-means clusters). */
  rootGroups?: ArrayLike<number>[];
}

export interface BallTree {
  dim: number;
  /** One row per node: the mean of its rows. Node 0 is the root. */
  centers: Float32Array;
  radius: Float64Array;
  children: number[][];
  parent: Int32Array;
  /** Rows of leaf nodes (empty for inner nodes). */
  members: Int32Array[];
  /** Rows under each node. */
  size: Int32Array;
  /** Per row: its leaf and its distance to the leaf's center. */
  leafOf: Int32Array;
  toLeafCenter: Float64Array;
}

export function buildBallTree(vectors: Float32Array, dim: number, options: BallTreeOptions): BallTree {
  const n = vectors.length / dim;
  const leafSize = Math.max(1, options.leafSize ?? 64);
  const rng = new SeededRandom(options.seed);
  const children: number[][] = [];
  const parents: number[] = [];
  const members: Int32Array[] = [];
  const addNode = (parent: number, rows: Int32Array) => {
    children.push([]);
    parents.push(parent);
    members.push(rows);
    if (parent >= 0) children[parent].push(children.length - 1);
    return children.length - 1;
  };
  const split = (node: number): void => {
    const rows = members[node];
    if (rows.length <= leafSize) return;
    members[node] = new Int32Array(0);
    for (const half of halves(vectors, dim, rows, rng)) split(addNode(node, half));
  };
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const root = addNode(-1, all);
  if (options.rootGroups) {
    members[root] = new Int32Array(0);
    for (const group of options.rootGroups) split(addNode(root, Int32Array.from(group)));
  } else split(root);

  const nodes = children.length;
  const tree: BallTree = {
    dim,
    centers: new Float32Array(nodes * dim),
    radius: new Float64Array(nodes),
    children,
    parent: Int32Array.from(parents),
    members,
    size: new Int32Array(nodes),
    leafOf: new Int32Array(n),
    toLeafCenter: new Float64Array(n),
  };
  // Children are always created after their parent, so a reverse sweep sees every child first.
  const counts = new Float64Array(nodes);
  const sums = new Float64Array(nodes * dim);
  for (let node = nodes - 1; node >= 0; node--) {
    for (const r of members[node]) for (let d = 0; d < dim; d++) sums[node * dim + d] += vectors[r * dim + d];
    counts[node] += members[node].length;
    for (const c of children[node]) {
      counts[node] += counts[c];
      for (let d = 0; d < dim; d++) sums[node * dim + d] += sums[c * dim + d];
    }
    tree.size[node] = counts[node];
    for (let d = 0; d < dim; d++) tree.centers[node * dim + d] = counts[node] ? sums[node * dim + d] / counts[node] : 0;
    for (const r of members[node]) {
      tree.leafOf[r] = node;
      tree.toLeafCenter[r] = distanceRows(vectors, r, tree.centers, node, dim);
    }
  }
  // Exact radii (tight balls prune far better than the bound through the children's balls). A row's
  // distance to a node's center is at most its distance to the child's center plus the two
  // centers' distance (with a margin for rounding): where that bound cannot raise the radius, the
  // distance is not computed, and the radius is the same maximum.
  const centerGap = new Float64Array(nodes);
  for (let node = 1; node < nodes; node++)
    centerGap[node] = distanceRows(tree.centers, node, tree.centers, tree.parent[node], dim);
  for (let r = 0; r < n; r++) {
    const leaf = tree.leafOf[r];
    tree.radius[leaf] = Math.max(tree.radius[leaf], tree.toLeafCenter[r]);
    let bound = tree.toLeafCenter[r];
    for (let child = leaf, node = tree.parent[leaf]; node >= 0; child = node, node = tree.parent[node]) {
      bound = (bound + centerGap[child]) * (1 + RADIUS_BOUND_MARGIN);
      if (bound <= tree.radius[node]) continue;
      bound = distanceRows(vectors, r, tree.centers, node, dim);
      tree.radius[node] = Math.max(tree.radius[node], bound);
    }
  }
  return tree;
}

/**
 * The top-most nodes holding at most `maxSize` rows: a partition of the pool into regions of the
 * embedding space (the root alone when the pool is that small), in depth-first order.
 */
export function regions(tree: BallTree, maxSize: number): number[] {
  const out: number[] = [];
  const visit = (node: number): void => {
    if (tree.size[node] <= maxSize || tree.children[node].length === 0) out.push(node);
    else for (const c of tree.children[node]) visit(c);
  };
  visit(0);
  return out.filter((node) => tree.size[node] > 0);
}

/** The rows under a node. */
export function rowsUnder(tree: BallTree, node: number): number[] {
  return tree.children[node].length === 0
    ? Array.from(tree.members[node])
    : tree.children[node].flatMap((c) => rowsUnder(tree, c));
}

/** Leaves holding rows, in depth-first creation order (each leaf is one group of near neighbours). */
export function leaves(tree: BallTree): Int32Array[] {
  return tree.members.filter((m, node) => tree.children[node].length === 0 && m.length > 0);
}

/** Splits rows in two halves along the axis between two far-apart rows (ties and identical rows split by position). */
function halves(vectors: Float32Array, dim: number, rows: Int32Array, rng: SeededRandom): [Int32Array, Int32Array] {
  const farthestFrom = (from: number) => {
    let best = rows[0];
    let bestD = -1;
    for (const r of rows) {
      const d = distanceRows(vectors, r, vectors, from, dim);
      if (d > bestD) {
        bestD = d;
        best = r;
      }
    }
    return best;
  };
  const a = farthestFrom(rows[rng.int(rows.length)]);
  const b = farthestFrom(a);
  const axis = new Float32Array(dim);
  for (let d = 0; d < dim; d++) axis[d] = vectors[a * dim + d] - vectors[b * dim + d];
  const projection = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) projection[i] = dotRows(vectors, rows[i], axis, 0, dim);
  const order = orderByKey(projection);
  for (let i = 0; i < order.length; i++) order[i] = rows[order[i]];
  const mid = rows.length >> 1;
  return [order.subarray(0, mid), order.subarray(mid)];
}
