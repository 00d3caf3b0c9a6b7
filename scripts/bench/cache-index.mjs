// The streamed cache index at 10M samples (docs/scale-out.md, "Where 10M does not fit"): writes an
// index of 10M synthetic samples (cache/index.json and cache/samples.jsonl), reads it back in one
// pass keeping nothing, then loads it whole as export and the views do, then only the header and
// each sample's place in the shards, as the stages' pixel readers do. Each step in its own process: time,
// peak memory, file size, and the bytes each loaded sample keeps alive; then the same for the key
// patches of up to 1M of those samples. As one JSON document these samples would be one string
// past V8's limit.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'cacheIndexWorker.ts');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');
const n = Number(process.env.OPTIDEL_BENCH_SAMPLES ?? 10_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-cache-index-bench-'));

function step(args, heapMiB) {
  const run = spawnSync(
    process.execPath,
    [`--max-old-space-size=${heapMiB}`, '--expose-gc', '--import', 'tsx', '--require', rssHook, worker, ...args],
    { cwd: root, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`cache-index bench ${args[0]} failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(run.stderr);
  return { ...result, peakMiB: rss ? Number(rss[1]) / 1024 : undefined };
}

try {
  const write = step(['write', String(n), dir], 1024);
  process.stderr.write(
    `write ${n}: ${write.seconds.toFixed(1)} s, peak ${write.peakMiB.toFixed(0)} MiB, ${(write.bytes / 2 ** 30).toFixed(2)} GiB\n`,
  );
  const scan = step(['scan', dir], 1024);
  process.stderr.write(`scan: ${scan.seconds.toFixed(1)} s, peak ${scan.peakMiB.toFixed(0)} MiB\n`);
  const load = step(['load', dir], 16384);
  process.stderr.write(
    `load: ${load.seconds.toFixed(1)} s, peak ${load.peakMiB.toFixed(0)} MiB, ${load.liveBytesPerRecord.toFixed(0)} B a sample kept\n`,
  );
  const positions = step(['positions', dir], 4096);
  process.stderr.write(
    `positions only: ${positions.seconds.toFixed(1)} s, peak ${positions.peakMiB.toFixed(0)} MiB, ${positions.liveBytesPerRecord.toFixed(1)} B a sample kept\n`,
  );
  // The key patches that selection holds beside the index, two a sample, at up to 1M samples (they
  // are written from memory, as the propose stage writes them).
  const patchSamples = Math.min(n, 1_000_000);
  const writePatches = step(['write-patches', String(patchSamples), dir], 4096);
  const loadPatches = step(['load-patches', dir], 4096);
  process.stderr.write(
    `key patches of ${patchSamples} samples: load ${loadPatches.seconds.toFixed(1)} s, ${loadPatches.liveBytesPerRecord.toFixed(0)} B a patch kept\n`,
  );
  const v8StringLimit = 536_870_888;
  process.stdout.write(
    `${JSON.stringify({ samples: n, bytesPerSample: write.bytes / n, asOneJsonString: write.bytes > v8StringLimit ? 'over the V8 string limit' : 'under it', write, scan, load, positions, keyPatches: { samples: patchSamples, write: writePatches, load: loadPatches }, loadAverage: os.loadavg() })}\n`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
