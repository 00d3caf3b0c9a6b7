/**
 * A 2D PCA projection of the embeddings for the embedding map. The covariance is only D x D
 * (D = embedding width), so plain JavaScript power iteration is fast enough and needs no backend.
 */
export function pcaProject(embeddings: Float32Array, dim: number, components = 2, iterations = 100): Float32Array {
  const n = embeddings.length / dim;
  const out = new Float32Array(n * components);
  if (n === 0) return out;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += embeddings[i * dim + d] / n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) row[d] = embeddings[i * dim + d] - mean[d];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a];
  const axes: Float64Array[] = [];
  for (let c = 0; c < components; c++) {
    const axis = powerIteration(cov, dim, axes, iterations, c);
    axes.push(axis);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += (embeddings[i * dim + d] - mean[d]) * axis[d];
      out[i * components + c] = dot;
    }
  }
  return out;
}

/** Leading eigenvector orthogonal to `found`; its sign is fixed (largest entry positive) so maps are stable between runs. */
function powerIteration(
  cov: Float64Array,
  dim: number,
  found: Float64Array[],
  iterations: number,
  start: number,
): Float64Array {
  let v = new Float64Array(dim).map((_, d) => 1 + ((d * 7 + start * 13) % 11) / 11);
  for (let it = 0; it < iterations; it++) {
    for (const u of found) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += v[d] * u[d];
      for (let d = 0; d < dim; d++) v[d] -= dot * u[d];
    }
    const next = new Float64Array(dim);
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let b = 0; b < dim; b++) s += cov[a * dim + b] * v[b];
      next[a] = s;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) break;
    v = next.map((x) => x / norm);
  }
  for (const u of found) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += v[d] * u[d];
    for (let d = 0; d < dim; d++) v[d] -= dot * u[d];
  }
  const norm = Math.hypot(...v) || 1;
  let largest = 0;
  for (let d = 0; d < dim; d++) if (Math.abs(v[d]) > Math.abs(v[largest])) largest = d;
  const sign = v[largest] < 0 ? -1 : 1;
  return v.map((x) => (sign * x) / norm);
}
