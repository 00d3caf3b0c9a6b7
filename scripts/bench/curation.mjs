// Curation benchmark (`npm run bench -- curation`): UMAP layout (umap-js), duplicate groups and the
// per-sample scores (uniqueness through the HNSW graph above 1,000 samples, annIndex.ts) over synthetic embeddings of dim 128 in clusters
// of 100 near-identical rows, at 10k samples (UMAP, scores) and 10k and 100k (duplicates), each in
// its own process; `--large` adds the scores at 100k. The issue asks UMAP time at 100k too; umap-js
// takes many minutes there on 2 cores, so it is left out of the default run (`--large` adds it).
// The machine may be shared: the load average is recorded beside the figures.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'curationWorker.ts');
const large = process.argv.includes('--large');
const cases = [
  ['umap', 10_000],
  ...(large ? [['umap', 100_000]] : []),
  ['duplicates', 10_000],
  ['duplicates', 100_000],
  ['sample-scores', 10_000],
  ...(large ? [['sample-scores', 100_000]] : []),
];
const rows = cases.map(([what, n]) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', worker, String(n), what], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (run.status !== 0) throw new Error(`curation bench ${what} at ${n} failed: ${run.stderr}`);
  const row = JSON.parse(run.stdout.trim().split('\n').pop());
  process.stderr.write(`${what} N=${n}: ${row.seconds.toFixed(1)} s, peak ${row.peakRssMiB.toFixed(0)} MiB\n`);
  return { ...row, loadAverage: os.loadavg()[0] };
});
console.log(JSON.stringify({ rows }));
