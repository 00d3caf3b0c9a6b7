/**
 * A pool larger than the memory the engine may use: ingest and score it with a capped V8 heap and
 * check that peak resident memory stays well under what holding the pool would take. The volumes
 * are written by the independent numpy writer, not by our own code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, runCli } from '../../helpers/engine';

// Eight, so the bound (half the pool) sits well above one volume plus the runtime (about 190 MiB).
const VOLUMES = 8;
const SIDE = 256;
const SLICES = 256;
/** The decoded pool as float32, what an engine holding everything at once would need. */
const POOL_BYTES = VOLUMES * SIDE * SIDE * SLICES * 4;
const HEAP_MB = 128;

function writeVolumes(dir: string): void {
  const script = `
import sys, numpy as np
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'test/fixtures/independent'))})
from write_fixtures import write_nifti
rng = np.random.default_rng(0)
for k in range(${VOLUMES}):
    body = (rng.normal(200, 60, (${SIDE}, ${SIDE}, ${SLICES})) + 40 * k).astype(np.int16)
    write_nifti(f"${dir}/vol{k}.nii", body, 4, 16)
`;
  const result = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

function peakRssBytes(stderr: string): number {
  const kb = /BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1];
  assert.ok(kb, 'the preload reported peak memory');
  return Number(kb) * 1024;
}

test(`ingest and score a ${POOL_BYTES / 2 ** 20} MiB pool with a ${HEAP_MB} MB heap`, (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-memory-'));
  const pool = path.join(root, 'pool');
  fs.mkdirSync(pool);
  writeVolumes(pool);
  const configFile = path.join(root, 'optidel.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({ pool: ['pool'], downstream: [], imageSize: 32, budget: 0.05, seed: 0 }),
  );
  const env = {
    NODE_OPTIONS: `--max-old-space-size=${HEAP_MB} --require ${path.join(ROOT, 'scripts/bench/report-rss.cjs')}`,
  };
  const runDir = path.join(root, 'run');

  const ingest = runCli(['ingest', '--config', configFile, '--out', runDir, '--json'], { env, timeoutMs: 300_000 });
  assert.equal(ingest.status, 0, ingest.stderr);
  assert.equal(ingest.json!.samples, VOLUMES * SLICES);
  const pretrain = runCli(
    ['pretrain', '--run', runDir, '--preset', 'micro', '--steps', '2', '--batch-size', '8', '--json'],
    { env, timeoutMs: 300_000 },
  );
  assert.equal(pretrain.status, 0, pretrain.stderr);
  // One scoring thread: each further thread holds its own backend, model and batches (docs/performance.md), not more of the pool.
  const score = runCli(['score', '--run', runDir, '--workers', '1', '--json'], { env, timeoutMs: 300_000 });
  assert.equal(score.status, 0, score.stderr);

  for (const [stage, run] of [
    ['ingest', ingest],
    ['score', score],
  ] as const) {
    const peak = peakRssBytes(run.stderr);
    t.diagnostic(`${stage}: peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
    // One volume at a time plus the runtime: about 60 MiB of Node and TensorFlow.js, a 64 MiB float volume.
    assert.ok(
      peak < POOL_BYTES / 2,
      `${stage} peaked at ${(peak / 2 ** 20).toFixed(0)} MiB for a ${(POOL_BYTES / 2 ** 20).toFixed(0)} MiB pool`,
    );
  }
});
