/**
 * Pool scoring on worker threads gives the serial scores exactly: the same batches, each scored
 * independently by a copy of the same model, on a real ingested run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CancelledError } from '../../../src/engine/command';
import { resolveScoringWorkers, scorePool, scorePoolBoxes } from '../../../src/engine/model/parallelScoring';
import { scoreBoxes, scoreSamples, type ScoreOptions } from '../../../src/engine/model/scoring';
import { useTinyRunWithModel } from './helpers';

const tiny = useTinyRunWithModel();

const ids = () => Array.from({ length: tiny.cache.size }, (_, i) => i);

test('scores on 2 and 3 threads equal the serial scores exactly, for every difficulty the workers are given', async () => {
  // A batch size that leaves a short last batch and more batches than threads.
  const batchSize = Math.max(2, Math.floor(tiny.cache.size / 5));
  for (const difficulty of ['normalised', 'pvi'] as const) {
    const options: ScoreOptions = { masks: 2, seed: 3, batchSize, difficulty };
    const serial = await scoreSamples(tiny.model, tiny.cache, ids(), options);
    for (const workers of [2, 3]) {
      const progress: number[] = [];
      const parallel = await scorePool(
        tiny.model,
        tiny.cache,
        ids(),
        { ...options, onProgress: (done) => progress.push(done) },
        { workers, cache: tiny.cache.layout },
      );
      assert.deepEqual(Array.from(parallel.embeddings), Array.from(serial.embeddings), `${difficulty}, ${workers}`);
      assert.deepEqual(Array.from(parallel.difficulty), Array.from(serial.difficulty), `${difficulty}, ${workers}`);
      assert.deepEqual(Array.from(parallel.patchErrors), Array.from(serial.patchErrors), `${difficulty}, ${workers}`);
      assert.equal(progress.at(-1), tiny.cache.size);
    }
    // Not vacuous: the scores vary between samples.
    assert.ok(new Set(serial.difficulty).size > 1);
  }
});

test('key patches scored on 2 threads equal the serial scores exactly', async () => {
  const patches = ids().flatMap((sampleId) => [
    {
      id: 2 * sampleId,
      sampleId,
      box: [0, 0, tiny.cache.imageSize, tiny.cache.imageSize] as [number, number, number, number],
    },
    { id: 2 * sampleId + 1, sampleId, box: [4, 4, 8, 8] as [number, number, number, number] },
  ]);
  const options: ScoreOptions = { masks: 2, seed: 3, batchSize: 5 };
  const serial = await scoreBoxes(tiny.model, tiny.cache, patches, options);
  const parallel = await scorePoolBoxes(tiny.model, tiny.cache, patches, options, {
    workers: 2,
    cache: tiny.cache.layout,
  });
  assert.deepEqual(Array.from(parallel), Array.from(serial));
  assert.ok(new Set(serial).size > 1);
});

test('a worker that cannot read the pool fails the scoring naming it and the file', async () => {
  const noCache = path.join(tiny.run.root, 'not-a-run');
  fs.mkdirSync(noCache, { recursive: true });
  await assert.rejects(
    scorePool(
      tiny.model,
      tiny.cache,
      ids(),
      { masks: 1, seed: 0, batchSize: 2 },
      { workers: 2, cache: { ...tiny.cache.layout, runDir: noCache } },
    ),
    /scoring worker [01] of 2 failed: .*not-a-run\/cache\/shard-00000\.bin/,
  );
});

test('a scoring thread killed mid-pool fails the command naming it; a cancel stops the threads', async () => {
  const spawned: Worker[] = [];
  const collect = (w: Worker) => spawned.push(w);
  process.on('worker', collect);
  try {
    const threads = { workers: 2, cache: tiny.cache.layout };
    let killed = false;
    await assert.rejects(
      scorePool(
        tiny.model,
        tiny.cache,
        ids(),
        {
          masks: 1,
          seed: 0,
          batchSize: 2,
          onProgress: () => {
            if (!killed) void spawned[1].terminate();
            killed = true;
          },
        },
        threads,
      ),
      /scoring worker 1 of 2 stopped \(exit code 1\)/,
    );
    const controller = new AbortController();
    await assert.rejects(
      scorePool(
        tiny.model,
        tiny.cache,
        ids(),
        { masks: 1, seed: 0, batchSize: 2, signal: controller.signal, onProgress: () => controller.abort() },
        threads,
      ),
      CancelledError,
    );
  } finally {
    process.off('worker', collect);
  }
  // Every thread was stopped before the command failed, the killed one included (threadId is -1 once a thread ended).
  assert.equal(spawned.length, 4);
  assert.ok(spawned.every((w) => w.threadId === -1));
});

test('the scoring thread count defaults to the cores and is refused on GPU backends', () => {
  assert.ok(resolveScoringWorkers(undefined, 'wasm', 'score') >= 1);
  assert.equal(resolveScoringWorkers(undefined, 'webgpu', 'score'), 1);
  assert.equal(resolveScoringWorkers(3, 'wasm', 'score'), 3);
  assert.throws(() => resolveScoringWorkers(2, 'tensorflow', 'propose'), /propose: .*pass --workers 1/);
  assert.throws(() => resolveScoringWorkers(0, 'wasm', 'score'), /positive integer/);
});
