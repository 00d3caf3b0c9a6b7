/**
 * A part folder's name, <i>-of-<n>, is all a reader knows of a split before any file is read, and
 * a shared run folder can hold any name: an empty folder `00000-of-4000000000` made the host's
 * Show Sharded Progress list four billion shards (1.4 GB and 5 s of CPU for 50 million) and
 * `optidel merge` name each one missing. A split has at most as many shards as five-digit names
 * hold; a bigger one is not a split OptiDEL wrote, and `--shard` refuses to make one. Merge names
 * each missing shard once without searching the problems found so far (20,000 took 17 s of CPU).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readShardProgress } from '../../../src/shared/node/shardProgress';
import { readParts } from '../../../src/engine/scale/parts';
import { resolveShard } from '../../../src/engine/scale/shard';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-shard-counts-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function runWithPartFolder(name: string, folder: string): string {
  const runDir = path.join(root, name);
  fs.mkdirSync(path.join(runDir, 'parts', 'score', folder), { recursive: true });
  return runDir;
}

test('an empty part folder declaring billions of shards is no split: the progress lists nothing', async () => {
  assert.deepEqual(await readShardProgress(runWithPartFolder('billions', '00000-of-10000000000')), []);
  assert.deepEqual(await readShardProgress(runWithPartFolder('above', '00000-of-100000')), []);
  assert.deepEqual(await readShardProgress(runWithPartFolder('index-out', '00007-of-00003')), []);
  assert.deepEqual(await readShardProgress(runWithPartFolder('largest', '00000-of-99999')), [
    { stage: 'score', count: 99_999, done: [], missing: Array.from({ length: 99_999 }, (_, i) => i) },
  ]);
});

test('merge finds no parts in a folder declaring more shards than a split may have, instead of naming each missing', async () => {
  const runDir = runWithPartFolder('merge', '00000-of-100000');
  const expected = { pool: { contentHash: 'x', size: 10 } };
  await assert.rejects(
    readParts(runDir, 'score', expected, (s) => `optidel score --shard ${s}`),
    /holds no parts/,
  );
});

test('--shard refuses a split into more shards than part folder names hold', () => {
  assert.throws(() => resolveShard('0/100000', {}, 'score'), /at most 99999 shards/);
  assert.deepEqual(resolveShard('99998/99999', {}, 'score'), { index: 99_998, count: 99_999 });
});
