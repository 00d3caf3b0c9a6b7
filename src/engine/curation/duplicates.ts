/**
 * Groups of duplicates in a pool: exact (identical decoded pixels, hashed from the cache) and near
 * (cosine similarity of the centred embeddings at or above a threshold, the space optidel's
 * near-duplicate rule measures in). Near groups are leader groups: in id order, each sample not yet
 * grouped leads a group of every ungrouped sample within the threshold of it, found by a radius
 * search on a ball tree. Unlike joining pairs transitively, this cannot chain a whole volume or
 * frame sequence into one group through its gradual changes: every member is within the threshold
 * of its group's first member.
 */
import { createHash } from 'node:crypto';
import type { DuplicateGroup } from '../../shared/artifacts';
import type { PoolCache } from '../data/cache';
import { buildBallTree, type BallTree } from '../selection/ballTree';
import { centreRows, distanceRows, normalizeRowsInPlace } from '../selection/vectors';

export interface DuplicateOptions {
  /** Cosine similarity (centred embeddings) at or above which a sample joins a group's first member. */
  minSimilarity: number;
  seed?: number;
}

/**
 * Tighter than optidel's own near-duplicate rule (0.95): that rule only keeps a selection spread
 * out, while a sample reported here is offered for removal, so it must look like the same image.
 */
export const DEFAULT_MIN_SIMILARITY = 0.99;

/** Per sample, the first earlier sample with identical decoded pixels, or -1 (one streamed pass over the cache). */
export async function identicalPixelsOf(cache: Pick<PoolCache, 'size' | 'batches'>): Promise<Int32Array> {
  const first = new Map<string, number>();
  const copyOf = new Int32Array(cache.size).fill(-1);
  for await (const { ids, pixels } of cache.batches({ batchSize: 256 })) {
    const area = pixels.length / ids.length;
    ids.forEach((id, k) => {
      const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset + k * area * 4, area * 4);
      const key = createHash('sha256').update(bytes).digest('base64');
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, id);
      else copyOf[id] = earlier;
    });
  }
  return copyOf;
}

/** `copyOf`: per sample, the first earlier sample with identical pixels, or -1 (identicalPixelsOf). */
export function findDuplicates(
  embeddings: Float32Array,
  dim: number,
  copyOf: Int32Array,
  options: DuplicateOptions,
): DuplicateGroup[] {
  if (!(options.minSimilarity > -1 && options.minSimilarity <= 1))
    throw new Error(`the similarity threshold must be in (-1, 1], got ${options.minSimilarity}`);
  const n = embeddings.length / dim;
  const unit = normalizeRowsInPlace(centreRows(embeddings, dim), dim);
  const tree = buildBallTree(unit, dim, { seed: options.seed ?? 0 });
  // Unit vectors: cosine s is Euclidean distance sqrt(2 - 2s).
  const radius = Math.sqrt(Math.max(0, 2 - 2 * options.minSimilarity));
  const groupOf = new Int32Array(n).fill(-1);
  const groups: number[][] = [];
  for (let leader = 0; leader < n; leader++) {
    if (groupOf[leader] >= 0) continue;
    const members = [leader];
    groupOf[leader] = groups.length;
    for (const j of withinRadius(tree, unit, leader, radius)) {
      if (groupOf[j] < 0) {
        groupOf[j] = groups.length;
        members.push(j);
      }
    }
    groups.push(members);
  }
  // An identical copy always belongs with its original, whatever its embedding's rounding.
  for (let i = 0; i < n; i++) {
    if (copyOf[i] < 0 || groupOf[i] === groupOf[copyOf[i]]) continue;
    groups[groupOf[i]] = groups[groupOf[i]].filter((m) => m !== i);
    groupOf[i] = groupOf[copyOf[i]];
    groups[groupOf[i]].push(i);
  }
  return groups
    .filter((ids) => ids.length > 1)
    .map((ids) =>
      describeGroup(
        ids.sort((a, b) => a - b),
        copyOf,
        unit,
        dim,
      ),
    )
    .sort((a, b) => b.members.length - a.members.length || a.members[0] - b.members[0]);
}

function describeGroup(ids: number[], copyOf: Int32Array, unit: Float32Array, dim: number): DuplicateGroup {
  const original = (id: number) => (copyOf[id] < 0 ? id : copyOf[id]);
  const identical = ids.filter((id) => copyOf[id] >= 0).length;
  // Each member's similarity to the group's first; the least says how loose the group is.
  const similarity = ids.map((id, k) => (k === 0 ? 1 : 1 - distanceRows(unit, ids[0], unit, id, dim) ** 2 / 2));
  return {
    kind: ids.every((id) => original(id) === original(ids[0])) ? 'exact' : 'near',
    members: ids,
    identical,
    minSimilarity: Number(similarity.reduce((a, b) => Math.min(a, b), 1).toFixed(6)),
    similarity: similarity.map((s) => Number(s.toFixed(6))),
  };
}

/** Rows within `radius` of row `row` (itself included), by a pruned descent of the tree. */
function withinRadius(tree: BallTree, vectors: Float32Array, row: number, radius: number): number[] {
  const found: number[] = [];
  const visit = (node: number): void => {
    if (distanceRows(vectors, row, tree.centers, node, tree.dim) - tree.radius[node] > radius) return;
    if (tree.children[node].length === 0) {
      for (const other of tree.members[node])
        if (distanceRows(vectors, row, vectors, other, tree.dim) <= radius) found.push(other);
      return;
    }
    for (const child of tree.children[node]) visit(child);
  };
  visit(0);
  return found;
}
