import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RUN_FILE_LOCK, listRuns, openRun, readRun, setStage } from '../../../src/shared/node/runStore';
import { readJsonFile, writeFileAtomic } from '../../../src/shared/node/atomicFile';
import { ROOT } from '../../helpers/engine';
import { failWritesHalfWay } from '../../helpers/faults/halfWrite';

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
  await Promise.all([
    setStage(runDir, 'ingest', 'done'),
    setStage(runDir, 'score', 'failed', { error: 'x' }),
    setStage(runDir, 'select', 'cancelled'),
  ]);
  const record = await readRun(runDir);
  assert.deepEqual(
    [record.stages.ingest?.status, record.stages.score?.status, record.stages.select?.status],
    ['done', 'failed', 'cancelled'],
  );
});

test('a run.json edited into invalid JSON gives an error naming the file', async () => {
  const root = tempDir();
  const runDir = path.join(root, 'broken');
  await openRun(runDir, { config: {} });
  fs.writeFileSync(path.join(runDir, 'run.json'), '{ "version": 1, ');
  await assert.rejects(
    readRun(runDir),
    new RegExp(`${path.join(runDir, 'run.json').replace(/[/.]/g, '\\$&')} is not valid JSON`),
  );
  const listed = await listRuns(root);
  assert.equal(listed.length, 1);
  assert.match(listed[0].error!, /broken\/run\.json is not valid JSON/);
});

test("the Runs view's listing reads no run.json through a link: one to /dev/zero or to another folder's run is named, not read", async () => {
  const runs = tempDir();
  await openRun(path.join(runs, 'good'), { config: {} });
  const elsewhere = path.join(tempDir(), 'elsewhere');
  await openRun(elsewhere, { config: { pool: ['/home/someone'] } });
  // A cloned repository keeps links: listing it would read 2 GiB of zeros into the extension host.
  fs.mkdirSync(path.join(runs, 'zeros'));
  fs.symlinkSync('/dev/zero', path.join(runs, 'zeros', 'run.json'));
  fs.mkdirSync(path.join(runs, 'borrowed'));
  fs.symlinkSync(path.join(elsewhere, 'run.json'), path.join(runs, 'borrowed', 'run.json'));
  const listed = await listRuns(runs);
  const byName = new Map(listed.map((r) => [path.basename(r.dir), r]));
  assert.equal(byName.get('good')?.record?.version, 1);
  for (const name of ['zeros', 'borrowed']) {
    assert.equal(byName.get(name)?.record, undefined, name);
    assert.match(byName.get(name)?.error ?? '', /"run\.json" goes through the symbolic link run\.json/, name);
  }
});

test('a JSON file larger than a string can hold (a sparse 1 GiB cache/index.json) is refused by its size, naming the file', async () => {
  const file = path.join(tempDir(), 'index.json');
  fs.writeFileSync(file, '{}');
  fs.truncateSync(file, 1024 ** 3);
  await assert.rejects(
    readJsonFile(file),
    (err: Error) =>
      err.message.startsWith(
        `${file} is 1073741824 bytes, more than any JSON file OptiDEL writes or reads (512 MiB)`,
      ) && err.message.endsWith('fix it by hand or delete it'),
  );
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
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('a write that fails half-way into the same target leaves its previous bytes, no temporary and no lock', async () => {
  const runDir = path.join(tempDir(), 'half-way');
  await openRun(runDir, { config: { seed: 1 } });
  await setStage(runDir, 'ingest', 'done', { summary: { samples: 12 } });
  const file = path.join(runDir, 'run.json');
  const before = fs.readFileSync(file);
  // run.json itself and any temporary beside it fail (its lock does not), so writing in place would be caught too.
  const restore = failWritesHalfWay(/run\.json(?!\.lock$)/);
  try {
    await assert.rejects(setStage(runDir, 'pretrain', 'running'), /ENOSPC: no space left on device/);
  } finally {
    restore();
  }
  assert.ok(fs.readFileSync(file).equals(before), 'run.json is byte for byte what it was');
  assert.deepEqual(
    fs.readdirSync(runDir).filter((f) => f !== 'run.json'),
    [],
    'no temporary and no run.json.lock left',
  );
  await setStage(runDir, 'pretrain', 'running');
  assert.equal((await readRun(runDir)).stages.pretrain?.status, 'running', 'the next update goes through');
});

/** Starts a runStoreWriter process; resolves with its exit code and stderr. */
function startWriter(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'test/helpers/runStoreWriter.ts'), ...args],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test("two processes updating one run.json at once lose none of each other's changes", async () => {
  const root = tempDir();
  const runDir = path.join(root, 'shared');
  await openRun(runDir, { config: {} });
  const go = path.join(root, 'go');
  const count = 150;
  const writers = [
    startWriter([runDir, 'host', String(count), 'ingest', go]),
    startWriter([runDir, 'cli', String(count), 'score', go]),
  ];
  // Both start their updates together, once both have loaded.
  while (!fs.existsSync(`${go}.ready-host`) || !fs.existsSync(`${go}.ready-cli`)) await sleep(20);
  fs.writeFileSync(go, '');
  for (const w of await Promise.all(writers)) assert.equal(w.code, 0, w.stderr);

  const record = await readRun(runDir);
  const missing = ['host', 'cli']
    .flatMap((name) => Array.from({ length: count }, (_, i) => `${name}-${i}`))
    .filter((key) => record.config[key] === undefined);
  assert.deepEqual(missing, [], `${missing.length} of ${2 * count} updates were lost`);
  assert.equal(record.stages.ingest?.status, 'done');
  assert.equal(record.stages.score?.status, 'done');
  assert.equal(fs.existsSync(path.join(runDir, RUN_FILE_LOCK)), false, 'the lock is released');
});

test('an atomic write flushes its folder after the rename, and still succeeds where folders cannot be flushed', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'scores.json');
  const open = fs.promises.open;
  const seen: string[] = [];
  fs.promises.open = (async (target: fs.PathLike, flags?: string | number, mode?: fs.Mode) => {
    const handle = await open(target, flags, mode);
    if (String(target) === dir) {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        seen.push(fs.existsSync(file) ? 'folder synced after the rename' : 'folder synced before the rename');
        return sync();
      };
    }
    return handle;
  }) as typeof fs.promises.open;
  try {
    await writeFileAtomic(file, 'first');
  } finally {
    fs.promises.open = open;
  }
  assert.deepEqual(seen, ['folder synced after the rename']);

  // Windows cannot open a folder (EISDIR): the write itself must not fail for it.
  fs.promises.open = (async (target: fs.PathLike, flags?: string | number, mode?: fs.Mode) => {
    if (String(target) === dir)
      throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${dir}'`), { code: 'EISDIR' });
    return open(target, flags, mode);
  }) as typeof fs.promises.open;
  try {
    await writeFileAtomic(file, 'second');
  } finally {
    fs.promises.open = open;
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'second');
});
