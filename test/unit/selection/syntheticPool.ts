/**
 * A synthetic pre-training pool for selection tests and benchmarks: `sources` volumes of adjacent
 * slices, each slice's embedding a small random-walk step from the previous one (so neighbours are
 * near-duplicates, as in real volumes), per-sample difficulty and two key patches per sample.
 * The walk runs in a `latentDim`-dimensional space mapped linearly into `dim` dimensions: image
 * embeddings have a low intrinsic dimension, far below the embedding width.
 */
import type { KeyPatch } from '../../../src/shared/artifacts';
import type { SelectionInput } from '../../../src/engine/selection/methods';
import { SeededRandom } from '../../../src/engine/model/rng';

export function syntheticPool(options: {
  n: number;
  dim: number;
  sources: number;
  seed: number;
  step?: number;
  latentDim?: number;
}): SelectionInput & { keyPatches: KeyPatch[] } {
  const { n, dim, seed } = options;
  const rng = new SeededRandom(seed);
  const embeddings = new Float32Array(n * dim);
  const difficulty = new Float32Array(n);
  const sources: string[] = [];
  const perSource = Math.ceil(n / options.sources);
  const step = options.step ?? 0.05;
  const latentDim = options.latentDim ?? 16;
  const mixing = Float64Array.from({ length: latentDim * dim }, () => rng.normal());
  const current = new Float64Array(latentDim);
  for (let i = 0; i < n; i++) {
    const s = Math.floor(i / perSource);
    if (i % perSource === 0) for (let l = 0; l < latentDim; l++) current[l] = rng.normal();
    else for (let l = 0; l < latentDim; l++) current[l] += step * rng.normal();
    for (let d = 0; d < dim; d++) {
      let v = 0;
      for (let l = 0; l < latentDim; l++) v += current[l] * mixing[l * dim + d];
      embeddings[i * dim + d] = v;
    }
    difficulty[i] = 0.5 + 0.3 * Math.sin(i / 7 + s) + 0.2 * rng.next();
    sources.push(`volume-${s}`);
  }
  const keyPatches: KeyPatch[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 2; j++) {
      keyPatches.push({
        id: keyPatches.length,
        sampleId: i,
        box: [j * 16, 8, 32, 32],
        difficulty: difficulty[i] * (0.8 + 0.4 * rng.next()),
        origin: 'auto',
      });
    }
  }
  return { embeddings, dim, difficulty, sources, keyPatches };
}
