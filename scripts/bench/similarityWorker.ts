// One measurement of scripts/bench/similar.mjs: builds a CosineIndex over N synthetic embeddings of
// dim 128 and times 50 queries (k = 10). Prints one JSON line.
import { CosineIndex } from '../../src/engine/curation/nearest';
import { SeededRandom } from '../../src/engine/model/rng';

const [n, dim, queries] = [Number(process.argv[2]), 128, 50];
const rng = new SeededRandom(1);
const vectors = Float32Array.from({ length: n * dim }, () => rng.normal());
let started = performance.now();
const index = new CosineIndex(vectors, dim);
const buildMs = performance.now() - started;
const times: number[] = [];
for (let q = 0; q < queries; q++) {
  started = performance.now();
  index.nearest((q * 7919) % n, 10);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ n, dim, buildMs, medianQueryMs: times[queries >> 1], worstQueryMs: times[queries - 1] }));
