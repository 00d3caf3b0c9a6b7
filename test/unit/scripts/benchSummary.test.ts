// `npm run bench -- --summary` reads the result files scripts/bench.mjs writes: one row per bench
// with its date, machine, load and headline, an unreadable file named with the command to redo it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchSummary } from '../../../scripts/benchSummary.mjs';

const machine = { cpus: 2, cpu: 'AMD EPYC', memoryGiB: 23, loadAverage: [0.25, 1.5, 2], node: 'v20' };

/** Runs `body` on a new folder with a bench-results/ and a writer of result files in it, then removes it. */
function withResults(startedAt: string, body: (root: string, write: (name: string, result: unknown) => void) => void) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-summary-'));
  try {
    const dir = path.join(root, 'bench-results');
    fs.mkdirSync(dir);
    body(root, (name, result) =>
      fs.writeFileSync(
        path.join(dir, `${name}.json`),
        JSON.stringify({ name, startedAt, seconds: 61.4, machine, result }),
      ),
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('the summary has one row per result file, with its date, machine, load and headline figures', () => {
  withResults('2026-12-03T05:40:12.000Z', (root, write) => {
    write('merge', { n: 1000, shards: 10, joinSeconds: 2.71, writeSeconds: 45.5, peakMiB: 921.3 });
    write('custom', { images: 12, ok: true, nested: { ignored: 1 } });
    const stepRow = (kernels: number, cpuMsPerStep: number) => [{ imageSize: 64, kernels, cpuMsPerStep }];
    write('stepKernels', { summary: { branch: stepRow(1008, 353.1), base: stepRow(1219, 376) } });
    fs.writeFileSync(path.join(root, 'bench-results', 'scale.json'), '{"name": "scale", "res');

    const lines = benchSummary(root).trim().split('\n');
    assert.equal(lines.length, 6, 'a header, its rule and four benches');
    const [custom, merge, scale, steps] = lines.slice(2);
    assert.equal(
      merge,
      '| merge | 2026-12-03 05:40 | 61 s | AMD EPYC, 2 cores | 0.25 / 1.50 / 2.00 | 10 shards of 100: join 2.7 s, write 45.5 s, peak 921 MiB |',
    );
    assert.match(custom, /\| images 12\.000, ok true \|$/);
    assert.match(
      steps,
      /\| branch: 64 px 1008 kernels 353\.1 CPU ms\/step; base: 64 px 1219 kernels 376\.0 CPU ms\/step \|$/,
    );
    assert.match(scale, /unreadable bench-results\/scale\.json .*run "npm run bench -- scale" again/);
  });
});

test('the scale row names every selector timed at 1M, in results old and new', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-summary-'));
  try {
    const dir = path.join(root, 'bench-results');
    fs.mkdirSync(dir);
    const row = (method: string, seconds: number) => ({ method, seconds, peakRssMiB: 2000 });
    const write = (million: unknown) =>
      fs.writeFileSync(
        path.join(dir, 'scale.json'),
        JSON.stringify({
          name: 'scale',
          startedAt: '2026-12-04T19:00:00.000Z',
          machine,
          result: { pools: [], million },
        }),
      );
    write([row('optidel', 131.2), row('optidel-hierarchical', 24.5)]);
    assert.match(
      benchSummary(root),
      /select 1M optidel: 131\.2 s \/ 2000 MiB; select 1M optidel-hierarchical: 24\.5 s \/ 2000 MiB \|$/m,
    );
    write(row('optidel', 150.6));
    assert.match(benchSummary(root), /select 1M optidel: 150\.6 s \/ 2000 MiB \|$/m);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("the scale row gives the live heap's growth, the cache-index row what a record keeps, the stage-memory row each run's memory", () => {
  withResults('2026-12-08T00:00:00.000Z', (root, write) => {
    const growth = (liveHeap?: number) => ({
      from: 10,
      to: 100,
      stages: { score: { timeVsNLogN: 0.83, ...(liveHeap ? { liveHeap } : {}) } },
    });
    write('scale', { pools: [], growth: growth(1.47), million: [] });
    const load = { seconds: 49.2, peakMiB: 1876 };
    write('cache-index', {
      samples: 10,
      write: { seconds: 37.4 },
      load: { ...load, liveBytesPerRecord: 99.9 },
      positions: { liveBytesPerRecord: 8.04 },
      keyPatches: { load: { liveBytesPerRecord: 91.7 } },
    });
    write('stage-memory', {
      slices: 100,
      runs: [
        { side: 'base', stage: 'score', liveHeapMiB: 29.51, peakRssMiB: 421.3, seconds: 128.4 },
        { side: 'this', stage: 'score', liveHeapMiB: 20.36, peakRssMiB: 396.9, seconds: 133.3 },
      ],
    });
    assert.match(benchSummary(root), /over N log N: score 0\.83; live heap growth: score 1\.47x \|$/m);
    assert.match(
      benchSummary(root),
      /load 49\.2 s \/ 1876 MiB, 100 B a sample kept; positions only 8\.0 B a sample kept; key patches 92 B each kept \|$/m,
    );
    assert.match(
      benchSummary(root),
      /100 slices, 2 threads: base score live heap 29\.5 MiB, peak RSS 421 MiB, 128\.4 s; this score live heap 20\.4 MiB, peak RSS 397 MiB, 133\.3 s \|$/m,
    );
    // Results from before these figures read as they did.
    write('scale', { pools: [], growth: growth(), million: [] });
    write('cache-index', { samples: 10, write: { seconds: 37.4 }, load });
    assert.match(benchSummary(root), /over N log N: score 0\.83 \|$/m);
    assert.match(benchSummary(root), /load 49\.2 s \/ 1876 MiB \|$/m);
  });
});

test('without results the summary says which command makes them', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-summary-'));
  try {
    assert.match(benchSummary(root), /^no results in .*bench-results: run "npm run bench"/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
