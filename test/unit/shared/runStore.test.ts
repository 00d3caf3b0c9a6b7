import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listRuns, openRun, readRun, setStage } from '../../../src/shared/node/runStore';
import { writeFileAtomic } from '../../../src/shared/node/atomicFile';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-runs-'));
}

test('a run records stage status and timings', async () => {
  const runDir = path.join(tempDir(), 'run-a');
  await openRun(runDir, { config: { seed: 1 } });
  await setStage(runDir, 'ingest', 'running');
  await setStage(runDir, 'ingest', 'done', { backend: 'wasm', summary: { samples: 12 } });
  const record = await readRun(runDir);
  assert.equal(record.stages.ingest?.status, 'done');
  assert.ok(record.stages.ingest!.seconds! >= 0);
  assert.equal(record.backend, 'wasm');
  assert.equal(record.stages.pretrain?.status, 'pending');
});

test('concurrent stage updates in one process are not lost', async () => {
  const runDir = path.join(tempDir(), 'run-b');
  await openRun(runDir, { config: {} });
  await Promise.all([setStage(runDir, 'ingest', 'done'), setStage(runDir, 'score', 'failed', { error: 'x' }), setStage(runDir, 'select', 'cancelled')]);
  const record = await readRun(runDir);
  assert.deepEqual([record.stages.ingest?.status, record.stages.score?.status, record.stages.select?.status], ['done', 'failed', 'cancelled']);
});

test('a run.json edited into invalid JSON gives an error naming the file', async () => {
  const root = tempDir();
  const runDir = path.join(root, 'broken');
  await openRun(runDir, { config: {} });
  fs.writeFileSync(path.join(runDir, 'run.json'), '{ "version": 1, ');
  await assert.rejects(readRun(runDir), new RegExp(`${path.join(runDir, 'run.json').replace(/[/.]/g, '\\$&')} is not valid JSON`));
  const listed = await listRuns(root);
  assert.equal(listed.length, 1);
  assert.match(listed[0].error!, /broken\/run\.json is not valid JSON/);
});

test('a failed atomic write leaves the previous file intact and no temporary behind', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'checkpoint.json');
  await writeFileAtomic(file, 'first');
  // A directory in place of the target makes the final rename fail after the data was written.
  const blocked = path.join(dir, 'blocked');
  fs.mkdirSync(path.join(blocked, 'x'), { recursive: true });
  await assert.rejects(writeFileAtomic(blocked, 'second'));
  assert.equal(fs.readFileSync(file, 'utf8'), 'first');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});
