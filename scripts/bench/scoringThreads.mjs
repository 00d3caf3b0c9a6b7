// Pool scoring throughput on 1 and N threads (src/engine/model/parallelScoring.ts): images per
// second of `score`'s computation (embedding, K = 4 masks, per-patch map) for the MAE `tiny`
// preset at 32 and 64 px, in the engine thread and on N scoring threads (SCORING_BENCH_WORKERS,
// default the cores), back to back, with the machine's load average beside each figure. The threads'
// start (each loads its backend and the model) is counted: it is what `optidel score` pays; it is
// also timed alone (threadStartSeconds: N threads started together until all are ready).
// Env: SCORING_BENCH_IMAGES (default 2048), SCORING_BENCH_SIZES (default 32,64). Prints one JSON object last.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/bench/scoringThreadsWorker.ts')], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  env: process.env,
});
const last = run.stdout.trim().split('\n').pop() ?? '';
if (run.status !== 0 || !last.startsWith('{')) {
  console.error(`the scoring benchmark failed (exit ${run.status ?? run.signal})`);
  process.exit(1);
}
process.stdout.write(`${last}\n`);
