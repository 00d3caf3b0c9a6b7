// One measured process of the memory benches (scale.mjs, stage-memory.mjs): run under
// scripts/bench/report-rss.cjs, its wall seconds, peak memory and the load around it.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');

export const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

/** The peak memory report-rss.cjs printed on a measured process's stderr, in MiB. */
function peaks(stderr) {
  const kb = (name) => Number(new RegExp(`${name}=(\\d+)`).exec(stderr)?.[1] ?? NaN) / 1024;
  const live = kb('BENCH_LIVE_HEAP_KB');
  return {
    peakRssMiB: Number(kb('BENCH_MAX_RSS_KB').toFixed(1)),
    peakHeapMiB: Number(kb('BENCH_PEAK_HEAP_KB').toFixed(1)),
    // The heap left by the fullest collection: what the stage held, without the garbage (null: none ran).
    liveHeapMiB: Number.isNaN(live) ? null : Number(live.toFixed(1)),
  };
}

/** One measured process: its last stdout line (JSON), wall seconds, peak memory and the load around it. */
export function measured(what, args) {
  const loadBefore = load();
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--require', rssHook, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}): ${r.stderr.slice(-4000)}`);
  const json = JSON.parse(
    r.stdout
      .trim()
      .split('\n')
      .findLast((l) => l.startsWith('{')),
  );
  return { json, seconds: Number(seconds.toFixed(2)), ...peaks(r.stderr), loadBefore, loadAfter: load() };
}
