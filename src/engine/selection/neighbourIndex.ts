/**
 * "Is any added row within distance tau of this one?" answered on a ball tree, searching only nodes
 * that hold added rows and that the triangle inequality lets come that close
 * (d(x, center) - radius < tau). To keep the cost linear in the pool, the search stays inside the
 * row's region (the top-most tree node of at most `regionSize` rows): exact for pools no larger than
 * one region, and near-duplicates (which sit close together) almost always share a region.
 *
 * The answer is whether such a row exists, the same whichever is found first, so the search goes
 * where one is likeliest: the row's own leaf, then outwards through its ancestors' other children.
 * Each leaf lists its added rows, so a leaf's check skips the rows not added.
 */
import { regions, type BallTree } from './ballTree';
import { distanceRowsBelow } from './vectors';

/**
 * Relative margin on the pruning bound: a node is skipped only when its bound clears tau by this
 * much, so that rounding in the distances can never skip a row within tau.
 */
const PRUNE_MARGIN = 1e-9;

export class NeighbourIndex {
  private readonly addedUnder: Int32Array;
  private readonly added: Uint8Array;
  private readonly regionOfLeaf: Int32Array;
  /** The added rows of leaf L: addedRows[leafStart[L]] up to addedRows[leafStart[L] + addedUnder[L]]. */
  private readonly leafStart: Int32Array;
  private readonly addedRows: Int32Array;

  constructor(
    private readonly vectors: Float32Array,
    private readonly tree: BallTree,
    regionSize = 2048,
  ) {
    const nodes = tree.children.length;
    this.addedUnder = new Int32Array(nodes);
    this.added = new Uint8Array(vectors.length / tree.dim);
    this.regionOfLeaf = new Int32Array(nodes).fill(-1);
    this.leafStart = new Int32Array(nodes + 1);
    for (let node = 0; node < nodes; node++)
      this.leafStart[node + 1] = this.leafStart[node] + tree.members[node].length;
    this.addedRows = new Int32Array(this.leafStart[nodes]);
    const mark = (node: number, region: number): void => {
      this.regionOfLeaf[node] = region;
      for (const c of tree.children[node]) mark(c, region);
    };
    for (const region of regions(tree, regionSize)) mark(region, region);
  }

  add(row: number): void {
    if (this.added[row]) return;
    this.added[row] = 1;
    const leaf = this.tree.leafOf[row];
    this.addedRows[this.leafStart[leaf] + this.addedUnder[leaf]] = row;
    for (let node = leaf; node >= 0; node = this.tree.parent[node]) this.addedUnder[node]++;
  }

  /** The distance to some added row closer than `tau` (not necessarily the nearest), or Infinity when there is none. */
  distanceWithin(row: number, tau: number): number {
    const { children, parent, leafOf } = this.tree;
    const leaf = leafOf[row];
    const region = this.regionOfLeaf[leaf];
    let d = this.searchLeaf(row, tau, leaf);
    for (let node = leaf; d >= tau && node !== region; node = parent[node]) {
      for (const sibling of children[parent[node]]) {
        if (sibling !== node) d = this.search(row, tau, sibling);
        if (d < tau) break;
      }
    }
    return d < tau ? d : Infinity;
  }

  private search(row: number, tau: number, node: number): number {
    const { tree, vectors } = this;
    if (this.addedUnder[node] === 0) return Infinity;
    const bound = (tau + tree.radius[node]) * (1 + PRUNE_MARGIN);
    if (distanceRowsBelow(vectors, row, tree.centers, node, tree.dim, bound) >= bound) return Infinity;
    if (tree.children[node].length === 0) return this.searchLeaf(row, tau, node);
    for (const child of tree.children[node]) {
      const d = this.search(row, tau, child);
      if (d < tau) return d;
    }
    return Infinity;
  }

  private searchLeaf(row: number, tau: number, leaf: number): number {
    const { vectors, addedRows } = this;
    const start = this.leafStart[leaf];
    const end = start + this.addedUnder[leaf];
    for (let k = start; k < end; k++) {
      const d = distanceRowsBelow(vectors, row, vectors, addedRows[k], this.tree.dim, tau);
      if (d < tau) return d;
    }
    return Infinity;
  }
}
