// Similarity search benchmark (`npm run bench -- similar`): exact cosine k-nearest neighbours over
// synthetic embeddings of dim 128 (the tiny preset's) at 10k and 100k samples: the index build time
// (norms) and the latency of one query (k = 10), median and worst of 50 queries. Target: a query at
// 100k under 50 ms. The machine may be shared: the load average is recorded beside the figures.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'similarWorker.ts');
const rows = [10_000, 100_000].map((n) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', worker, String(n)], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`similar bench at ${n} failed: ${run.stderr}`);
  const row = JSON.parse(run.stdout.trim().split('\n').pop());
  process.stderr.write(
    `N=${n}: build ${row.buildMs.toFixed(1)} ms, query median ${row.medianQueryMs.toFixed(1)} ms, worst ${row.worstQueryMs.toFixed(1)} ms\n`,
  );
  return row;
});
const at100k = rows.find((r) => r.n === 100_000);
console.log(JSON.stringify({ rows, target: { queryMsAt100k: 50, met: at100k.medianQueryMs < 50 } }));
