// One measurement of scripts/bench/similarity.mjs over N synthetic embeddings (clusters of 50):
// `query` times exact and HNSW queries (k = 10) and the graph's build and recall; `uniqueness-exact`
// and `uniqueness-hnsw` time the per-sample scores' nearest-neighbour pass (graph build included). Prints one JSON line.
import { neighbourSearch } from '../../src/engine/curation/annIndex';
import { CosineIndex } from '../../src/engine/curation/nearest';
import { SeededRandom } from '../../src/engine/model/rng';
import { centreRows } from '../../src/engine/selection/vectors';

const [what, n, dim] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const rng = new SeededRandom(1);
const vectors = new Float32Array(n * dim);
let centre = new Float32Array(dim);
for (let i = 0; i < n; i++) {
  if (i % 50 === 0) centre = Float32Array.from({ length: dim }, () => rng.normal());
  for (let d = 0; d < dim; d++) vectors[i * dim + d] = centre[d]! + 0.3 * rng.normal();
}

function latencies(
  nearest: (q: number) => Array<{ id: number }>,
  queries: number[],
): { meanMs: number; p95Ms: number } {
  const times = queries.map((q) => {
    const started = performance.now();
    nearest(q);
    return performance.now() - started;
  });
  times.sort((a, b) => a - b);
  return { meanMs: times.reduce((s, t) => s + t, 0) / times.length, p95Ms: times[Math.floor(times.length * 0.95)]! };
}

async function main(): Promise<void> {
  const peak = () => process.resourceUsage().maxRSS / 1024;
  if (what === 'query') {
    const queries = Array.from({ length: 200 }, (_, q) => (q * 7919) % n);
    const exact = new CosineIndex(vectors, dim);
    let started = performance.now();
    const graph = await neighbourSearch(vectors, dim, { exactBelow: 0 });
    const buildSeconds = (performance.now() - started) / 1000;
    let found = 0;
    for (const q of queries) {
      const truth = new Set(exact.nearest(q, 10).map((x) => x.id));
      found += graph.nearest(q, 10).filter((x) => truth.has(x.id)).length;
    }
    started = performance.now();
    const row = {
      what,
      n,
      dim,
      buildSeconds,
      recallAt10: found / (queries.length * 10),
      exact: latencies((q) => exact.nearest(q, 10), queries),
      hnsw: latencies((q) => graph.nearest(q, 10), queries),
      peakRssMiB: peak(),
    };
    console.log(JSON.stringify(row));
    return;
  }
  // Uniqueness as sampleScores computes it: the centred rows' nearest neighbour, in blocks of 1024.
  const centred = centreRows(vectors, dim);
  const started = performance.now();
  const index =
    what === 'uniqueness-hnsw' ? await neighbourSearch(centred, dim, { exactBelow: 0 }) : new CosineIndex(centred, dim);
  const buildSeconds = (performance.now() - started) / 1000;
  for (let from = 0; from < n; from += 1024) index.nearestOfRows(from, Math.min(n, from + 1024), 1);
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ what, n, dim, seconds, buildSeconds, peakRssMiB: peak() }));
}
void main();
