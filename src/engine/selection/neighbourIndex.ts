/**
 * "Is any added row within distance tau of this one?" answered on a ball tree, searching only nodes
 * that hold added rows and that the triangle inequality lets come that close
 * (d(x, center) - radius < tau). To keep the cost linear in the pool, the search stays inside the
 * row's region (the top-most tree node of at most `regionSize` rows): exact for pools no larger than
 * one region, and near-duplicates (which sit close together) almost always share a region.
 */
import { regions, type BallTree } from './ballTree';
import { distanceRows } from './vectors';

export class NeighbourIndex {
  private readonly addedUnder: Int32Array;
  private readonly added: Uint8Array;
  private readonly regionOfLeaf: Int32Array;

  constructor(
    private readonly vectors: Float32Array,
    private readonly tree: BallTree,
    regionSize = 2048,
  ) {
    this.addedUnder = new Int32Array(tree.children.length);
    this.added = new Uint8Array(vectors.length / tree.dim);
    this.regionOfLeaf = new Int32Array(tree.children.length).fill(-1);
    const mark = (node: number, region: number): void => {
      this.regionOfLeaf[node] = region;
      for (const c of tree.children[node]) mark(c, region);
    };
    for (const region of regions(tree, regionSize)) mark(region, region);
  }

  add(row: number): void {
    if (this.added[row]) return;
    this.added[row] = 1;
    for (let node = this.tree.leafOf[row]; node >= 0; node = this.tree.parent[node]) this.addedUnder[node]++;
  }

  /** The distance to some added row closer than `tau` (not necessarily the nearest), or Infinity when there is none. */
  distanceWithin(row: number, tau: number): number {
    return this.search(row, tau, this.regionOfLeaf[this.tree.leafOf[row]]);
  }

  private search(row: number, tau: number, node: number): number {
    const { tree, vectors } = this;
    if (this.addedUnder[node] === 0) return Infinity;
    if (distanceRows(vectors, row, tree.centers, node, tree.dim) - tree.radius[node] >= tau) return Infinity;
    if (tree.children[node].length === 0) {
      for (const other of tree.members[node]) {
        if (this.added[other] !== 1) continue;
        const d = distanceRows(vectors, row, vectors, other, tree.dim);
        if (d < tau) return d;
      }
      return Infinity;
    }
    for (const child of tree.children[node]) {
      const d = this.search(row, tau, child);
      if (d < tau) return d;
    }
    return Infinity;
  }
}
