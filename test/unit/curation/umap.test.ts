/** UMAP layouts: seeded and reproducible, neighbourhoods kept apart, and the command writes the run's second layout. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { umapLayout } from '../../../src/engine/curation/umap';
import { SeededRandom } from '../../../src/engine/model/rng';
import { runCli } from '../../helpers/engine';
import { makeTinyRun } from '../../helpers/tinyRun';

/** Two tight clusters of 60 in 16 dimensions, far apart. */
function twoClusters(): Float32Array {
  const rng = new SeededRandom(2);
  const dim = 16;
  return Float32Array.from({ length: 120 * dim }, (_, k) => (Math.floor(k / dim) < 60 ? 0 : 8) + 0.3 * rng.normal());
}

test('UMAP is reproducible for a seed, differs for another, and keeps two clusters apart', async () => {
  const vectors = twoClusters();
  const a = await umapLayout(vectors, 16, { seed: 5 });
  const b = await umapLayout(vectors, 16, { seed: 5 });
  const c = await umapLayout(vectors, 16, { seed: 6 });
  assert.equal(a.length, 240);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Every point is nearer (in the layout) to the centre of its own cluster than to the other's.
  const centre = (from: number) => {
    let x = 0,
      y = 0;
    for (let i = from; i < from + 60; i++) {
      x += a[2 * i]! / 60;
      y += a[2 * i + 1]! / 60;
    }
    return [x, y] as const;
  };
  const [first, second] = [centre(0), centre(60)];
  const distance = (i: number, [x, y]: readonly [number, number]) => Math.hypot(a[2 * i]! - x, a[2 * i + 1]! - y);
  for (let i = 0; i < 120; i++) {
    const own = i < 60 ? first : second;
    const other = i < 60 ? second : first;
    assert.ok(distance(i, own) < distance(i, other), `point ${i} sits with the other cluster`);
  }
  await assert.rejects(umapLayout(new Float32Array(32), 16, { seed: 1 }), /at least 3 samples/);
});

test('optidel umap writes scores/umap.f32 of N x 2, the same for the same seed', () => {
  const run = makeTinyRun();
  for (const args of [
    ['pretrain', '--run', run.runDir, '--preset', 'micro', '--steps', '10'],
    ['score', '--run', run.runDir],
  ]) {
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
  }
  const file = path.join(run.runDir, 'scores', 'umap.f32');
  const first = runCli(['umap', '--run', run.runDir, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const samples = (first.json as { samples: number }).samples;
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.length, samples * 2 * 4);
  assert.equal(runCli(['umap', '--run', run.runDir]).status, 0);
  assert.ok(fs.readFileSync(file).equals(bytes), 'reproducible');
  const bad = runCli(['umap', '--run', run.runDir, '--neighbors', '1']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--neighbors must be at least 2/);
});
