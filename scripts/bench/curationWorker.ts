// One measurement of scripts/bench/curation.mjs: a UMAP layout, the duplicate groups or the per-sample scores of N
// synthetic embeddings of dim 128 (clusters of near-identical rows, as slices of one volume are),
// timed, with this process's peak memory. Prints one JSON line.
import { neighbourSearch } from '../../src/engine/curation/annIndex';
import { findDuplicates } from '../../src/engine/curation/duplicates';
import { centreRows } from '../../src/engine/selection/vectors';
import { umapLayout } from '../../src/engine/curation/umap';
import { sampleScores } from '../../src/engine/curation/sampleScores';
import { SeededRandom } from '../../src/engine/model/rng';

const [n, dim, what] = [Number(process.argv[2]), 128, process.argv[3]];
const rng = new SeededRandom(1);
const centres = Float32Array.from({ length: Math.ceil(n / 100) * dim }, () => rng.normal());
const vectors = Float32Array.from(
  { length: n * dim },
  (_, k) => centres[Math.floor(k / dim / 100) * dim + (k % dim)]! + 0.05 * rng.normal(),
);
async function main(): Promise<void> {
  const started = performance.now();
  if (what === 'umap') await umapLayout(vectors, dim, { seed: 1 });
  // As `optidel sample-scores` computes them: uniqueness through the neighbour search (annIndex.ts).
  else if (what === 'sample-scores')
    sampleScores(vectors, dim, new Float32Array(n), {
      seed: 1,
      neighbours: await neighbourSearch(centreRows(vectors, dim), dim),
    });
  else findDuplicates(vectors, dim, new Int32Array(n).fill(-1), { minSimilarity: 0.99 });
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ what, n, dim, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}
void main();
