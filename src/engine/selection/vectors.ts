/**
 * Row-major N x D Float32 embeddings and the few operations on them that selection needs. Loops over
 * typed arrays on purpose: selection runs without a TensorFlow.js backend, in tests and benchmarks.
 */

/** A copy of the rows scaled to unit length (zero rows stay zero), so that dot product = cosine. */
export function normalizeRows(vectors: Float32Array, dim: number): Float32Array {
  rowCount(vectors, dim);
  return normalizeRowsInPlace(vectors.slice(), dim);
}

/** The rows scaled to unit length where they are, for a copy made already (centreRows'): no second N x dim array. */
export function normalizeRowsInPlace(vectors: Float32Array, dim: number): Float32Array {
  const n = rowCount(vectors, dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += vectors[o + d] * vectors[o + d];
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let d = 0; d < dim; d++) vectors[o + d] *= scale;
  }
  return vectors;
}

/**
 * A copy of the rows minus their mean row. Pooled MAE embeddings share a large common component
 * (measured on the tiny demo: median cosine distance 0.0008 between any two samples, 0.72 once
 * centred), so cosine thresholds mean something only after it is removed.
 */
export function centreRows(vectors: Float32Array, dim: number): Float32Array {
  const n = rowCount(vectors, dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n * dim; i++) mean[i % dim] += vectors[i] / n;
  // A loop, not Float32Array.from(vectors, map): V8 builds that through a JavaScript array of every
  // value, about 33 bytes of heap each, so a pool of 1M x 128 ran out of heap (scale bench).
  const out = new Float32Array(vectors.length);
  for (let i = 0; i < out.length; i++) out[i] = vectors[i] - mean[i % dim];
  return out;
}

export function rowCount(vectors: Float32Array, dim: number): number {
  if (!Number.isInteger(dim) || dim <= 0 || vectors.length % dim !== 0) {
    throw new Error(`embeddings of length ${vectors.length} do not split into rows of dimension ${dim}`);
  }
  return vectors.length / dim;
}

/** Dot product of row `i` of `a` with row `j` of `b` (four accumulators: about 1.7x faster in V8). */
export function dotRows(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  const oa = i * dim;
  const ob = j * dim;
  const end = dim - (dim % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let d = 0; d < end; d += 4) {
    s0 += a[oa + d] * b[ob + d];
    s1 += a[oa + d + 1] * b[ob + d + 1];
    s2 += a[oa + d + 2] * b[ob + d + 2];
    s3 += a[oa + d + 3] * b[ob + d + 3];
  }
  for (let d = end; d < dim; d++) s0 += a[oa + d] * b[ob + d];
  return s0 + s1 + s2 + s3;
}

/**
 * The dot products of rows `i` and `i + 1` of `a` with row `j` of `b`, equal to dotRows' to the last bit (the
 * same products, multiplication commuting exactly, summed in the same order), written into
 * out[0] and out[1]: one pass over row j for two rows, and `b` in float64 so that no product
 * converts it. 1.3x faster than two dotRows calls in V8, where k-means spends most of its time.
 */
export function dotTwoRows(
  a: Float32Array,
  i: number,
  b: Float64Array,
  j: number,
  dim: number,
  out: Float64Array,
): void {
  const oa = i * dim;
  const oa1 = oa + dim;
  const ob = j * dim;
  const end = dim - (dim % 4);
  // Row i's four sums as dotRows keeps them, and row i + 1's.
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    t0 = 0,
    t1 = 0,
    t2 = 0,
    t3 = 0;
  for (let d = 0; d < end; d += 4) {
    const b0 = b[ob + d];
    const b1 = b[ob + d + 1];
    const b2 = b[ob + d + 2];
    const b3 = b[ob + d + 3];
    s0 += a[oa + d] * b0;
    s1 += a[oa + d + 1] * b1;
    s2 += a[oa + d + 2] * b2;
    s3 += a[oa + d + 3] * b3;
    t0 += a[oa1 + d] * b0;
    t1 += a[oa1 + d + 1] * b1;
    t2 += a[oa1 + d + 2] * b2;
    t3 += a[oa1 + d + 3] * b3;
  }
  for (let d = end; d < dim; d++) {
    s0 += a[oa + d] * b[ob + d];
    t0 += a[oa1 + d] * b[ob + d];
  }
  out[0] = s0 + s1 + s2 + s3;
  out[1] = t0 + t1 + t2 + t3;
}

/**
 * Euclidean distance between row `i` of `a` and row `j` of `b`; symmetric to the last bit. The same
 * loop as distanceRowsBelow's, which never stops early without a limit (rows holding an infinity
 * excepted: there the distance is Infinity even where a NaN follows).
 */
export function distanceRows(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  return distanceRowsBelow(a, i, b, j, dim, Infinity);
}

/**
 * distanceRows(a, i, b, j, dim) where that is below `limit`; otherwise some number at least `limit`,
 * found as soon as the partial sums prove it (every 32 dimensions), which is most of a near-duplicate
 * search's distances. The sums are distanceRows' own, in its order, and float addition of
 * non-negative terms never decreases a sum, so a partial distance at or above `limit` means the
 * full one is too: every answer below `limit` is distanceRows' to the last bit.
 */
export function distanceRowsBelow(
  a: Float32Array,
  i: number,
  b: Float32Array,
  j: number,
  dim: number,
  limit: number,
): number {
  const oa = i * dim;
  const ob = j * dim;
  const end = dim - (dim % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let chunk = 0; chunk < end; chunk += DISTANCE_CHUNK) {
    const chunkEnd = Math.min(end, chunk + DISTANCE_CHUNK);
    for (let d = chunk; d < chunkEnd; d += 4) {
      const t0 = a[oa + d] - b[ob + d];
      const t1 = a[oa + d + 1] - b[ob + d + 1];
      const t2 = a[oa + d + 2] - b[ob + d + 2];
      const t3 = a[oa + d + 3] - b[ob + d + 3];
      s0 += t0 * t0;
      s1 += t1 * t1;
      s2 += t2 * t2;
      s3 += t3 * t3;
    }
    const partial = Math.sqrt(s0 + s1 + s2 + s3);
    if (partial >= limit) return partial;
  }
  for (let d = end; d < dim; d++) s0 += (a[oa + d] - b[ob + d]) ** 2;
  return Math.sqrt(s0 + s1 + s2 + s3);
}

/** Dimensions between distanceRowsBelow's checks: a multiple of its blocks of 4. */
const DISTANCE_CHUNK = 32;

/** The given rows, copied into one contiguous array. */
export function gatherRows(vectors: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let r = 0; r < rows.length; r++) out.set(vectors.subarray(rows[r] * dim, rows[r] * dim + dim), r * dim);
  return out;
}

/** Indices 0..n-1 sorted by `key` descending, ties by index ascending (so results never depend on sort stability). */
export function argsortDescending(key: ArrayLike<number>, indices?: ArrayLike<number>): number[] {
  const order = indices ? Array.from(indices) : Array.from({ length: key.length }, (_, i) => i);
  return order.sort((a, b) => key[b] - key[a] || a - b);
}
