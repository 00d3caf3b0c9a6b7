/**
 * The measurement of scoringThreads.mjs: a demo pool ingested through the CLI at each image size, a
 * `tiny` model (random weights: the cost does not depend on them), and scorePool over SCORING_BENCH_IMAGES ids (the pool's, repeated) on 1 and N threads.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/engine/backends/select';
import { openCache } from '../../src/engine/data/cache';
import { MaeModel, maeConfig } from '../../src/engine/model/mae';
import { spawnEngineWorker } from '../../src/engine/model/engineWorker';
import type { ScoreWorkerInit } from '../../src/engine/model/parallelScoring';
import { scorePool, sharedWeights } from '../../src/engine/model/parallelScoring';

const root = path.resolve(__dirname, '..', '..');
const MASKS = 4;
const BATCH = 64;

function optidel(args: string[]): void {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'optidel.js'), ...args, '--json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`optidel ${args.join(' ')} failed: ${r.stderr}`);
}

function prepare(scratch: string, imageSize: number): string {
  const data = path.join(scratch, `data-${imageSize}`);
  const runDir = path.join(scratch, `run-${imageSize}`);
  optidel(['demo-data', '--out', data, '--size', 'small', '--image-size', String(imageSize)]);
  optidel(['ingest', '--config', path.join(data, 'optidel.json'), '--out', runDir]);
  return runDir;
}

async function measure(runDir: string, imageSize: number, images: number, workers: number) {
  const model = MaeModel.create(maeConfig('tiny', imageSize), 1);
  const cache = await openCache(runDir);
  try {
    const ids = Array.from({ length: images }, (_, i) => i % cache.size);
    const loadBefore = os.loadavg()[0];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await scorePool(model, cache, ids, { masks: MASKS, seed: 0, batchSize: BATCH }, { workers, cache: cache.layout });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      workers,
      images,
      seconds,
      imagesPerSecond: images / seconds,
      // All threads of this process: images per CPU-second says what the split costs whatever the load.
      cpuImagesPerSecond: images / ((cpu.user + cpu.system) / 1e6),
      loadAverage1m: { before: loadBefore, after: os.loadavg()[0] },
    };
  } finally {
    model.dispose();
    await cache.close();
  }
}

/** Seconds until `workers` scoring threads, started together, are all ready (what a parallel score pays before its first batch). */
async function threadStart(runDir: string, imageSize: number, workers: number): Promise<number> {
  const model = MaeModel.create(maeConfig('tiny', imageSize), 1);
  const weights = await sharedWeights(model);
  model.dispose();
  const none = new SharedArrayBuffer(0);
  const cache = await openCache(runDir);
  await cache.close();
  const init: ScoreWorkerInit = {
    backend: 'wasm',
    cache: cache.layout,
    config: maeConfig('tiny', imageSize),
    weights,
    options: { masks: MASKS, seed: 0 },
    output: { embeddings: none, difficulty: none, patchErrors: none },
  };
  const started = performance.now();
  const threads = Array.from({ length: workers }, () => spawnEngineWorker('scoreWorker', init));
  await Promise.all(
    threads.map((t) => new Promise((resolve, reject) => t.once('message', resolve).once('error', reject))),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(threads.map((t) => t.terminate()));
  return seconds;
}

async function main(): Promise<void> {
  const { backend } = await selectBackend('wasm');
  const images = Number(process.env.SCORING_BENCH_IMAGES ?? 2048);
  const workers = Number(process.env.SCORING_BENCH_WORKERS ?? os.availableParallelism());
  const sizes = (process.env.SCORING_BENCH_SIZES ?? '32,64').split(',').map(Number);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-scoring-threads-'));
  const rows = [];
  try {
    for (const imageSize of sizes) {
      const runDir = prepare(scratch, imageSize);
      const one = await measure(runDir, imageSize, images, 1);
      const many = await measure(runDir, imageSize, images, workers);
      const threadStartSeconds = await threadStart(runDir, imageSize, workers);
      const row = {
        preset: 'tiny',
        threadStartSeconds,
        imageSize,
        masks: MASKS,
        batch: BATCH,
        one,
        many,
        ratio: many.imagesPerSecond / one.imagesPerSecond,
      };
      console.error(
        `tiny ${imageSize} px, K=${MASKS}: 1 thread ${one.imagesPerSecond.toFixed(1)} images/s (load ${one.loadAverage1m.before.toFixed(1)}), ${workers} threads ${many.imagesPerSecond.toFixed(1)} images/s (load ${many.loadAverage1m.before.toFixed(1)})`,
      );
      rows.push(row);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ backend, rows })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
