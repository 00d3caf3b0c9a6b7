/** Duplicate groups: against brute force on random data, and through the CLI on the demo's re-exported X-ray frames. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuplicatesFile, SelectionFile } from '../../../src/shared/artifacts';
import { findDuplicates } from '../../../src/engine/curation/duplicates';
import { SeededRandom } from '../../../src/engine/model/rng';
import { centreRows, normalizeRows } from '../../../src/engine/selection/vectors';
import { runCli } from '../../helpers/engine';
import { makeTinyRun } from '../../helpers/tinyRun';
import { readCacheIndexFile } from '../../../src/shared/node/cacheIndexFile';

test("leader groups: every member within the threshold of its group's first; identical copies join their original", () => {
  const rng = new SeededRandom(3);
  const dim = 8;
  const n = 300;
  const vectors = Float32Array.from({ length: n * dim }, () => rng.normal());
  // A drifting sequence 20 -> 21 -> ... -> 29, each a small step from the last, and an identical copy 41 of 40
  // whose embedding came out slightly different (as batch rounding does).
  for (let row = 21; row < 30; row++)
    for (let d = 0; d < dim; d++) vectors[row * dim + d] = vectors[(row - 1) * dim + d]! + 0.2 * rng.normal();
  for (let d = 0; d < dim; d++) vectors[41 * dim + d] = vectors[40 * dim + d]! + 0.3;
  const copyOf = new Int32Array(n).fill(-1);
  copyOf[41] = 40;
  const threshold = 0.98;
  const groups = findDuplicates(vectors, dim, copyOf, { minSimilarity: threshold });
  // Brute force of the same rule on the same centred unit rows.
  const unit = normalizeRows(centreRows(vectors, dim), dim);
  const cosine = (i: number, j: number) => {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += unit[i * dim + d]! * unit[j * dim + d]!;
    return dot;
  };
  const taken = new Set<number>();
  const expected: number[][] = [];
  for (let leader = 0; leader < n; leader++) {
    if (taken.has(leader)) continue;
    const members = [leader];
    taken.add(leader);
    for (let j = 0; j < n; j++)
      if (!taken.has(j) && cosine(leader, j) >= threshold - 1e-6) {
        members.push(j);
        taken.add(j);
      }
    if (leader !== 40 && members.includes(41)) members.splice(members.indexOf(41), 1);
    if (leader === 40 && !members.includes(41)) members.push(41);
    expected.push(members.sort((a, b) => a - b));
  }
  const join = (g: number[][]) =>
    g
      .filter((m) => m.length > 1)
      .map((m) => m.join(','))
      .sort();
  assert.deepEqual(join(groups.map((g) => g.members)), join(expected));
  for (const g of groups)
    for (const m of g.members.slice(1)) assert.ok(m === 41 || cosine(g.members[0]!, m) >= threshold - 1e-6);
  // Each member's similarity to the first is kept (the gallery regroups with it); the least is minSimilarity.
  for (const g of groups) {
    assert.equal(g.similarity?.length, g.members.length);
    g.members.forEach((m, k) => assert.ok(Math.abs(g.similarity![k]! - cosine(g.members[0]!, m)) < 1e-5));
    assert.equal(g.minSimilarity, Math.min(...g.similarity!));
  }
  const sequence = groups.filter((g) => g.members.some((m) => m >= 20 && m < 30));
  assert.ok(sequence.length >= 2, 'a drifting sequence is not chained into one group');
  const pair = groups.find((g) => g.members.includes(40));
  assert.deepEqual(pair?.members, [40, 41]);
  assert.equal(pair?.kind, 'exact');
  assert.equal(pair?.identical, 1);
  assert.throws(() => findDuplicates(vectors, dim, copyOf, { minSimilarity: 1.5 }), /must be in \(-1, 1\]/);
});

test('optidel duplicates on the demo pool: every re-exported X-ray frame is grouped with its original, and can be excluded', async () => {
  const run = makeTinyRun();
  for (const args of [
    ['pretrain', '--run', run.runDir, '--preset', 'micro', '--steps', '20'],
    ['score', '--run', run.runDir],
    ['select', '--run', run.runDir, '--method', 'full'],
  ]) {
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
  }
  const r = runCli(['duplicates', '--run', run.runDir, '--exclude-from', 'full', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const file = JSON.parse(
    fs.readFileSync(path.join(run.runDir, 'curation', 'duplicates.json'), 'utf8'),
  ) as DuplicatesFile;
  const cache = await readCacheIndexFile(run.runDir);
  const reExported = cache.samples
    .filter((s: { source: string }) => s.source.includes(`${path.sep}re-export${path.sep}`))
    .map((s: { id: number }) => s.id);
  assert.ok(reExported.length >= 2, 'the tiny demo re-exports frames');
  for (const id of reExported) {
    const group = file.groups.find((g) => g.members.includes(id));
    assert.ok(group, `re-exported sample ${id} is in a group`);
    assert.ok(
      group.members.some((m) => !reExported.includes(m) && m !== id),
      `sample ${id} is grouped with an original frame`,
    );
    assert.ok(group.identical >= 1);
  }
  const result = r.json as { excluded: { samples: number }; samplesInGroups: number; groups: number };
  assert.equal(result.excluded.samples, result.samplesInGroups - result.groups, 'all but one of every group');
  const selection = JSON.parse(
    fs.readFileSync(path.join(run.runDir, 'selection', 'full.json'), 'utf8'),
  ) as SelectionFile;
  for (const g of file.groups) {
    assert.ok(!selection.manual!.exclude.includes(g.members[0]!), 'the first of a group is kept');
    for (const m of g.members.slice(1)) assert.ok(selection.manual!.exclude.includes(m));
  }
});
