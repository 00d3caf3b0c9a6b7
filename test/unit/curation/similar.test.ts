/** Nearest neighbours by cosine similarity: against a full sort, and through the CLI on a scored tiny run. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CosineIndex } from '../../../src/engine/curation/nearest';
import { SeededRandom } from '../../../src/engine/model/rng';
import { runCli } from '../../helpers/engine';
import { makeTinyRun } from '../../helpers/tinyRun';
import { readCacheIndexFile } from '../../../src/shared/node/cacheIndexFile';

test('the k nearest by cosine equal a full sort of every similarity, ties by lower id', () => {
  const rng = new SeededRandom(7);
  const dim = 5;
  const n = 400;
  const vectors = Float32Array.from({ length: n * dim }, () => rng.normal());
  // Rows 10 and 11 point the same way as row 3 (two exact ties), row 12 is all zeros.
  for (const [row, scale] of [
    [10, 2],
    [11, 0.5],
  ])
    for (let d = 0; d < dim; d++) vectors[row * dim + d] = vectors[3 * dim + d] * scale;
  vectors.fill(0, 12 * dim, 13 * dim);
  const index = new CosineIndex(vectors, dim);
  for (const query of [3, 0, 12, n - 1]) {
    const all = [];
    for (let i = 0; i < n; i++) {
      if (i === query) continue;
      let dot = 0,
        a = 0,
        b = 0;
      for (let d = 0; d < dim; d++) {
        dot += vectors[query * dim + d] * vectors[i * dim + d];
        a += vectors[query * dim + d] ** 2;
        b += vectors[i * dim + d] ** 2;
      }
      all.push({ id: i, similarity: a * b > 0 ? dot / Math.sqrt(a * b) : 0 });
    }
    all.sort((x, y) => y.similarity - x.similarity || x.id - y.id);
    const got = index.nearest(query, 10);
    assert.deepEqual(
      got.map((g) => g.id),
      all.slice(0, 10).map((e) => e.id),
      `query ${query}`,
    );
    for (const [i, g] of got.entries()) assert.ok(Math.abs(g.similarity - all[i].similarity) < 1e-9);
  }
  assert.deepEqual(
    index.nearest(3, 2).map((g) => g.id),
    [10, 11],
  );
  assert.ok(Math.abs(index.nearest(3, 1)[0].similarity - 1) < 1e-6);
  assert.equal(index.nearest(0, 10_000).length, n - 1, 'k beyond the pool returns every other row');
  assert.throws(() => index.nearest(n, 3), /sample 400 is not in the pool \(0 to 399\)/);
});

test('optidel similar on a scored run: a re-exported X-ray frame finds its twin first', async () => {
  const run = makeTinyRun();
  for (const stage of ['pretrain', 'score']) {
    const args = stage === 'pretrain' ? ['--preset', 'micro', '--steps', '20'] : [];
    const r = runCli([stage, '--run', run.runDir, ...args]);
    assert.equal(r.status, 0, r.stderr);
  }
  const cache = await readCacheIndexFile(run.runDir);
  const shards = cache.shards.map((s: { file: string }) => fs.readFileSync(path.join(run.runDir, s.file)));
  const pixels = Buffer.concat(shards);
  const area = cache.imageSize ** 2 * 4;
  const bytesOf = (id: number) => pixels.subarray(id * area, (id + 1) * area).toString('base64');
  // Exact duplicates in the decoded pool (the demo re-exports some X-ray frames).
  const seen = new Map<string, number>();
  let pair: [number, number] | undefined;
  for (let id = 0; id < cache.samples.length && !pair; id++) {
    const key = bytesOf(id);
    if (seen.has(key)) pair = [seen.get(key)!, id];
    else seen.set(key, id);
  }
  assert.ok(pair, 'the tiny demo pool holds an exact duplicate');
  const similar = runCli(['similar', '--run', run.runDir, '--sample', String(pair[1]), '--k', '3', '--json']);
  assert.equal(similar.status, 0, similar.stderr);
  const result = similar.json as {
    sample: { id: number };
    neighbours: Array<{ id: number; similarity: number; source: string }>;
  };
  assert.equal(result.sample.id, pair[1]);
  assert.equal(result.neighbours.length, 3);
  assert.ok(!result.neighbours.some((n) => n.id === pair![1]), 'the sample itself is not its own neighbour');
  assert.ok(result.neighbours[0].similarity > 0.9999, `the twin comes first (${JSON.stringify(result.neighbours[0])})`);
  assert.equal(cache.samples[result.neighbours[0].id].id, result.neighbours[0].id);
  const outside = runCli(['similar', '--run', run.runDir, '--sample', String(cache.samples.length)]);
  assert.equal(outside.status, 2);
  assert.match(outside.stderr, /is not in the pool/);
});
