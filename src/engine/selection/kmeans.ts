/**
 * Spherical k-means (cosine similarity) on unit-length rows, sized for pools of 100k+ embeddings:
 * k-means++ seeding and Lloyd iterations run on a seeded sample of the pool, then one pass assigns
 * every row to its nearest centroid. Cost O(sample·k·D·iterations + N·k·D): linear in N for a
 * fixed k. Deterministic for a seed.
 */
import { SeededRandom, permutation } from '../model/rng';
import { dotRows, dotTwoRows, gatherRows, rowCount } from './vectors';

export interface KMeansOptions {
  k: number;
  seed: number;
  /** Lloyd iterations on the sample (default 6). */
  iterations?: number;
  /** Rows the centroids are fitted on (default max(20·k, 4096), capped at N). */
  sampleSize?: number;
  /** Most sample x k bounds the iterations may keep (default MAX_BOUND_ENTRIES); above it, plain passes. */
  maxBoundEntries?: number;
}

/**
 * 2^24 float64 bounds, 128 MiB: the default k (at most 100) needs 3 MiB, but a user's 5,000
 * clusters would need 4 GiB. Above the cap every pass computes all dot products, with the same
 * result (SimilarityBounds gives what assignNearest gives, to the last bit).
 */
export const MAX_BOUND_ENTRIES = 2 ** 24;

export interface KMeansResult {
  k: number;
  /** k x D unit-length centroids. */
  centroids: Float32Array;
  /** Nearest centroid of each row. */
  assignment: Int32Array;
  /** Cosine similarity of each row to its centroid. */
  similarity: Float32Array;
}

/** `vectors` must be unit-length rows (normalizeRows). */
export function kmeans(vectors: Float32Array, dim: number, options: KMeansOptions): KMeansResult {
  const n = rowCount(vectors, dim);
  const k = Math.max(1, Math.min(options.k, n));
  const rng = new SeededRandom(options.seed);
  const sampleSize = Math.min(n, options.sampleSize ?? Math.max(20 * k, 4096));
  const sampleRows = sampleSize === n ? null : permutation(n, rng).subarray(0, sampleSize).sort();
  const sample = sampleRows ? gatherRows(vectors, dim, sampleRows) : vectors;
  const centroids = seedPlusPlus(sample, dim, k, rng);
  const assignment = new Int32Array(sampleSize);
  const similarity = new Float32Array(sampleSize);
  const bounds =
    sampleSize * k <= (options.maxBoundEntries ?? MAX_BOUND_ENTRIES) ? new SimilarityBounds(sample, dim, k) : undefined;
  const assignSample = () =>
    bounds
      ? bounds.assign(centroids, assignment, similarity)
      : assignNearest(sample, centroids, dim, assignment, similarity);
  for (let it = 0; it < (options.iterations ?? 6); it++) {
    assignSample();
    const before = bounds && centroids.slice();
    const changed = updateCentroids(sample, dim, centroids, assignment, similarity);
    if (before) bounds.drift(before, centroids);
    if (!changed) break;
  }
  // Fitted on every row (small clusters): the bounds serve the last pass as well.
  if (!sampleRows) {
    assignSample();
    return { k, centroids, assignment, similarity };
  }
  const all = { assignment: new Int32Array(n), similarity: new Float32Array(n) };
  assignNearest(vectors, centroids, dim, all.assignment, all.similarity);
  return { k, centroids, ...all };
}

/** k-means++ on cosine distance: each next seed drawn with probability proportional to its squared distance to the nearest seed so far. */
function seedPlusPlus(rows: Float32Array, dim: number, k: number, rng: SeededRandom): Float32Array {
  const n = rows.length / dim;
  const centroids = new Float32Array(k * dim);
  const nearest = new Float64Array(n).fill(Infinity);
  const similarity = new Float64Array(n);
  let pick = rng.int(n);
  for (let c = 0; c < k; c++) {
    centroids.set(rows.subarray(pick * dim, pick * dim + dim), c * dim);
    similarityToRow(rows, dim, pick, similarity);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.max(0, 2 - 2 * similarity[i]);
      if (d < nearest[i]) nearest[i] = d;
      total += nearest[i];
    }
    if (total <= 0)
      pick = rng.int(n); // every row coincides with a seed already: any row will do
    else {
      let target = rng.next() * total;
      pick = n - 1;
      for (let i = 0; i < n; i++) {
        target -= nearest[i];
        if (target < 0) {
          pick = i;
          break;
        }
      }
    }
  }
  return centroids;
}

/** Every row's dot product with row `j`, as dotRows gives it, into `out` (n long). */
function similarityToRow(rows: Float32Array, dim: number, j: number, out: Float64Array): void {
  const n = rows.length / dim;
  const row = Float64Array.from(rows.subarray(j * dim, j * dim + dim));
  const pair = new Float64Array(2);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    dotTwoRows(rows, i, row, 0, dim, pair);
    out[i] = pair[0];
    out[i + 1] = pair[1];
  }
  if (i < n) out[i] = dotRows(rows, i, rows, j, dim);
}

/** Each row's nearest centroid (the first of equal ones) and its dot product as dotRows gives it; two rows at a time (dotTwoRows). */
export function assignNearest(
  rows: Float32Array,
  centroids: Float32Array,
  dim: number,
  assignment: Int32Array,
  similarity: Float32Array,
): void {
  const n = rows.length / dim;
  const k = centroids.length / dim;
  const c64 = Float64Array.from(centroids);
  const pair = new Float64Array(2);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let best0 = -Infinity;
    let best1 = -Infinity;
    assignment[i] = assignment[i + 1] = 0;
    for (let c = 0; c < k; c++) {
      dotTwoRows(rows, i, c64, c, dim, pair);
      if (pair[0] > best0) {
        best0 = pair[0];
        assignment[i] = c;
      }
      if (pair[1] > best1) {
        best1 = pair[1];
        assignment[i + 1] = c;
      }
    }
    similarity[i] = best0;
    similarity[i + 1] = best1;
  }
  if (i < n) {
    let best = -Infinity;
    assignment[i] = 0;
    for (let c = 0; c < k; c++) {
      const s = dotRows(rows, i, centroids, c, dim);
      if (s > best) {
        best = s;
        assignment[i] = c;
      }
    }
    similarity[i] = best;
  }
}

/** Far above the rounding error of a dot product of unit rows (about 1e-14), far below a gap between two centroids worth keeping. */
const BOUND_MARGIN = 1e-9;

/**
 * Lloyd's assignment passes without the dot products that cannot change them (after Hamerly
 * 2010, on similarities): for each row and centroid an upper bound on their dot product, exact
 * where it was last computed and raised by |row| x how far the centroid has moved since (Cauchy-
 * Schwarz), plus a margin for rounding. A centroid whose bound is below the best dot product
 * found for the row cannot be its nearest, so the pass gives what assignNearest gives, to the last
 * bit: the same nearest centroid (the first of equal ones) and the same dotRows value. Exported
 * for its test only.
 */
export class SimilarityBounds {
  /** rows x k; Infinity where nothing is known yet. */
  private readonly upper: Float64Array;
  private readonly norms: Float64Array;

  constructor(
    private readonly rows: Float32Array,
    private readonly dim: number,
    private readonly k: number,
  ) {
    const n = rows.length / dim;
    this.upper = new Float64Array(n * k).fill(Infinity);
    this.norms = Float64Array.from({ length: n }, (_, i) => Math.sqrt(dotRows(rows, i, rows, i, dim)));
  }

  /** Each row's nearest centroid and its dot product, starting from the row's last assignment. */
  assign(centroids: Float32Array, assignment: Int32Array, similarity: Float32Array): void {
    const { rows, dim, k, upper } = this;
    for (let i = 0; i < this.norms.length; i++) {
      const o = i * k;
      let nearest = assignment[i];
      let best = dotRows(rows, i, centroids, nearest, dim);
      upper[o + nearest] = best;
      for (let c = 0; c < k; c++) {
        if (c === assignment[i] || upper[o + c] < best) continue;
        const s = dotRows(rows, i, centroids, c, dim);
        upper[o + c] = s;
        if (s > best || (s === best && c < nearest)) {
          best = s;
          nearest = c;
        }
      }
      assignment[i] = nearest;
      similarity[i] = best;
    }
  }

  /** The centroids moved from `before` to `after`: every bound raised by as much as that can raise it. */
  drift(before: Float32Array, after: Float32Array): void {
    const { dim, k, upper, norms } = this;
    for (let c = 0; c < k; c++) {
      let squared = 0;
      for (let d = 0; d < dim; d++) squared += (after[c * dim + d] - before[c * dim + d]) ** 2;
      const moved = Math.sqrt(squared);
      for (let i = 0; i < norms.length; i++) upper[i * k + c] += norms[i] * moved + BOUND_MARGIN;
    }
  }
}

/** Normalised means of the members; an empty cluster takes the row worst served by its own centroid. Returns whether anything moved. */
function updateCentroids(
  rows: Float32Array,
  dim: number,
  centroids: Float32Array,
  assignment: Int32Array,
  similarity: Float32Array,
): boolean {
  const n = rows.length / dim;
  const k = centroids.length / dim;
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = assignment[i];
    counts[c]++;
    const into = c * dim;
    const from = i * dim;
    for (let d = 0; d < dim; d++) sums[into + d] += rows[from + d];
  }
  const taken = new Set<number>();
  let moved = false;
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) {
      let worst = -1;
      for (let i = 0; i < n; i++) if (!taken.has(i) && (worst < 0 || similarity[i] < similarity[worst])) worst = i;
      taken.add(worst);
      for (let d = 0; d < dim; d++) sums[c * dim + d] = rows[worst * dim + d];
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += sums[c * dim + d] ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) {
      const v = sums[c * dim + d] * scale;
      if (Math.abs(v - centroids[c * dim + d]) > 1e-7) moved = true;
      centroids[c * dim + d] = v;
    }
  }
  return moved;
}

/** The default cluster count for a pool of n: about √n, at most 100, so the cost stays linear in n. */
export function defaultClusterCount(n: number): number {
  return Math.max(1, Math.min(100, Math.round(Math.sqrt(n))));
}

/** Members of each cluster, in ascending row order. */
export function clusterMembers(assignment: Int32Array, k: number): Int32Array[] {
  const counts = new Int32Array(k);
  for (const c of assignment) counts[c]++;
  const members = Array.from(counts, (count) => new Int32Array(count));
  const fill = new Int32Array(k);
  for (let i = 0; i < assignment.length; i++) members[assignment[i]][fill[assignment[i]]++] = i;
  return members;
}
