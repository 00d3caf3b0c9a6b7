// Similarity search benchmark (`npm run bench -- similarity`): curation's neighbour search
// (src/engine/curation/annIndex.ts) over synthetic embeddings of the tiny preset's dimension, 128
// (`--dim 768` for the base preset's), in clusters of 50 around random centres, as slices of one
// volume are. At 100k samples: exact and HNSW query latency (k = 10, mean and p95 of 200 queries),
// the graph's build time and its recall at 10 against exact search; target a query under 50 ms.
// Uniqueness (each sample's nearest neighbour, what `optidel sample-scores` spends its time on)
// at 1k, 2k and 5k exactly and through the graph (where the exact threshold sits), and through the graph at
// 10k and 100k. Each case runs in its own process; the load average is recorded beside each.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'similarityWorker.ts');
const dimAt = process.argv.indexOf('--dim');
const dim = dimAt > 0 ? Number(process.argv[dimAt + 1]) : 128;
const cases = [
  ['query', 100_000],
  ['uniqueness-exact', 1_000],
  ['uniqueness-hnsw', 1_000],
  ['uniqueness-exact', 2_000],
  ['uniqueness-hnsw', 2_000],
  ['uniqueness-exact', 5_000],
  ['uniqueness-hnsw', 5_000],
  ['uniqueness-hnsw', 10_000],
  ['uniqueness-hnsw', 100_000],
];
const rows = cases.map(([what, n]) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', worker, what, String(n), String(dim)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (run.status !== 0) throw new Error(`similarity bench ${what} at ${n} failed: ${run.stderr}`);
  const row = { ...JSON.parse(run.stdout.trim().split('\n').pop()), loadAverage: os.loadavg()[0] };
  process.stderr.write(`${JSON.stringify(row)}\n`);
  return row;
});
const query = rows.find((r) => r.what === 'query');
console.log(JSON.stringify({ dim, rows, target: { queryMsAt100k: 50, met: query.hnsw.meanMs < 50 } }));
