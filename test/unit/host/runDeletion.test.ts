/** "Delete Run" removes a run folder of a runs folder and nothing else. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runFolderToDelete } from '../../../src/host/runDeletion';
import type { RunRecord } from '../../../src/shared/runRecord';

function runFolder(dir: string, stages: RunRecord['stages'] = { ingest: { status: 'done' } }): string {
  fs.mkdirSync(dir, { recursive: true });
  const record: RunRecord = {
    version: 1,
    id: path.basename(dir),
    createdAt: '2026-12-02T00:00:00Z',
    config: {},
    stages,
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record));
  return dir;
}

test('only a real run folder directly inside a runs folder, with nothing running, is offered for deletion', async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-delete-'));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  const runs = path.join(base, 'runs');
  const plain = runFolder(path.join(runs, 'run-a'));
  assert.equal(await runFolderToDelete(plain, [runs]), plain);
  // A corrupt run.json is one more reason to delete, not a reason to refuse.
  const broken = runFolder(path.join(runs, 'broken'));
  fs.writeFileSync(path.join(broken, 'run.json'), '{');
  assert.equal(await runFolderToDelete(broken, [runs]), broken);

  const outside = runFolder(path.join(base, 'precious'));
  fs.symlinkSync(outside, path.join(runs, 'linked'));
  await assert.rejects(runFolderToDelete(path.join(runs, 'linked'), [runs]), /symbolic link linked/);
  await assert.rejects(runFolderToDelete(outside, [runs]), /directly inside a runs folder/);
  await assert.rejects(runFolderToDelete(runs, [runs]), /directly inside a runs folder/);
  await assert.rejects(runFolderToDelete(path.join(runs, 'run-a', '..', '..', 'precious'), [runs]), /directly inside/);
  await assert.rejects(runFolderToDelete(runFolder(path.join(runs, 'run-a', 'nested')), [runs]), /directly inside/);
  fs.mkdirSync(path.join(runs, 'not-a-run'));
  await assert.rejects(runFolderToDelete(path.join(runs, 'not-a-run'), [runs]), /no run\.json/);
  // A stage of this live process is running in it.
  const busy = runFolder(path.join(runs, 'busy'), { pretrain: { status: 'running', pid: process.pid } });
  await assert.rejects(runFolderToDelete(busy, [runs]), /stage running/);
  assert.ok(fs.existsSync(path.join(outside, 'run.json')), 'nothing outside the runs folder was touched');
});
