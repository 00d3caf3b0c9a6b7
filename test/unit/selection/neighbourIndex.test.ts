// NeighbourIndex (selection/neighbourIndex.ts) and the ball tree it searches: whether an added row
// lies within tau of a row inside its region is answered exactly as comparing every added row of
// the region by distanceRows, on data made for ties (duplicates, all-equal rows, dim 1, zero
// rows, tau equal to a distance that occurs), and the tree's radii are the exact maxima.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBallTree, regions, rowsUnder, type BallTree } from '../../../src/engine/selection/ballTree';
import { NeighbourIndex } from '../../../src/engine/selection/neighbourIndex';
import { distanceRows } from '../../../src/engine/selection/vectors';
import { SeededRandom } from '../../../src/engine/model/rng';

interface Case {
  name: string;
  dim: number;
  vectors: Float32Array;
}

function cases(): Case[] {
  const random = new SeededRandom(11);
  const grid = (n: number, dim: number, levels: number) =>
    Float32Array.from({ length: n * dim }, () => random.int(levels) / (levels - 1) - 0.5);
  const palette = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => random.normal()));
  return [
    { name: 'dim 1 on a grid of 5 values', dim: 1, vectors: grid(300, 1, 5) },
    { name: 'dim 3 on a grid of 3 values (many equal distances)', dim: 3, vectors: grid(400, 3, 3) },
    { name: 'all rows equal', dim: 4, vectors: Float32Array.from({ length: 200 * 4 }, () => 0.25) },
    { name: 'all rows zero', dim: 7, vectors: new Float32Array(150 * 7) },
    {
      name: 'six rows repeated, zero rows among them',
      dim: 5,
      vectors: Float32Array.from(
        Array.from({ length: 350 }, (_, i) => (i % 9 === 0 ? [0, 0, 0, 0, 0] : palette[random.int(6)])).flat(),
      ),
    },
    {
      name: 'dim 37 unit rows (not a multiple of the loops blocking)',
      dim: 37,
      vectors: unit(
        Float32Array.from({ length: 500 * 37 }, () => random.normal()),
        37,
      ),
    },
  ];
}

function unit(vectors: Float32Array, dim: number): Float32Array {
  for (let o = 0; o < vectors.length; o += dim) {
    const norm = Math.hypot(...vectors.subarray(o, o + dim));
    for (let d = 0; d < dim; d++) vectors[o + d] /= norm;
  }
  return vectors;
}

/** Each row's region, as the index defines it: the top-most node of at most `regionSize` rows. */
function regionRows(tree: BallTree, n: number, regionSize: number): number[][] {
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const region of regions(tree, regionSize)) {
    const rows = rowsUnder(tree, region);
    for (const r of rows) out[r] = rows;
  }
  return out;
}

test('distanceWithin finds an added row within tau exactly when comparing every added row of the region does', () => {
  for (const { name, dim, vectors } of cases()) {
    const n = vectors.length / dim;
    const random = new SeededRandom(n);
    for (const [leafSize, regionSize] of [
      [4, 32],
      [1, 8],
      [64, 4096],
    ]) {
      const tree = buildBallTree(vectors, dim, { seed: 5, leafSize });
      const region = regionRows(tree, n, regionSize);
      const index = new NeighbourIndex(vectors, tree, regionSize);
      const added = new Set<number>();
      for (let step = 0; step < 3 * n; step++) {
        const row = random.int(n);
        if (step % 3 === 0) {
          index.add(row);
          added.add(row);
          continue;
        }
        const distances = region[row]
          .filter((r) => added.has(r))
          .map((r) => distanceRows(vectors, row, vectors, r, dim));
        // tau at a distance that occurs (a tie: strictly closer only), just above one, or fixed.
        const picked = distances.length ? distances[random.int(distances.length)] : 0.5;
        const tau = [picked, picked + 1e-7, 0.3, 0][step % 4];
        const found = index.distanceWithin(row, tau);
        const expected = distances.some((d) => d < tau);
        assert.equal(found < tau, expected, `${name}, leaf ${leafSize}, region ${regionSize}: row ${row}, tau ${tau}`);
        if (expected) assert.ok(distances.includes(found), `${name}: ${found} is the distance of an added row`);
        else assert.equal(found, Infinity);
      }
    }
  }
});

test("the ball tree's radii are the largest distanceRows from each node's center to a row under it, to the bit", () => {
  for (const { name, dim, vectors } of cases()) {
    for (const leafSize of [1, 4, 64]) {
      const tree = buildBallTree(vectors, dim, { seed: 2, leafSize });
      for (let node = 0; node < tree.size.length; node++) {
        const max = rowsUnder(tree, node).reduce(
          (m, r) => Math.max(m, distanceRows(vectors, r, tree.centers, node, dim)),
          0,
        );
        assert.equal(tree.radius[node], max, `${name}, leaf ${leafSize}, node ${node}`);
      }
    }
  }
});
