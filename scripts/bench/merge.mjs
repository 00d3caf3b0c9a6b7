// Merge of a sharded score (docs/scale-out.md): 100 shards of a synthetic pool of 1M samples
// (dim 128, 64 patches: the tiny preset's shapes), the time to check and join the parts and the
// time to write the merged artifacts (the PCA of the embedding map included), and the peak memory.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'mergeWorker.ts');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');
const [n, shards] = [1_000_000, 100];
const run = spawnSync(process.execPath, ['--import', 'tsx', '--require', rssHook, worker, String(n), String(shards)], {
  cwd: root,
  encoding: 'utf8',
});
if (run.status !== 0) throw new Error(`merge bench failed: ${run.stderr}`);
const result = JSON.parse(run.stdout.trim().split('\n').pop());
const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(run.stderr);
const peakMiB = rss ? Number(rss[1]) / 1024 : undefined;
process.stderr.write(
  `merge of ${shards} shards, ${n} samples: join ${result.joinSeconds.toFixed(1)} s, write ${result.writeSeconds.toFixed(1)} s, peak ${peakMiB?.toFixed(0)} MiB\n`,
);
process.stdout.write(`${JSON.stringify({ ...result, peakMiB })}\n`);
