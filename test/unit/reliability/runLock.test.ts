/**
 * Two processes on one run folder: a second stage is refused while one runs (naming it and its
 * process), a lock left by a dead process is taken over, temporaries of dead processes are cleaned
 * (and nothing else), and a re-ingest that is cancelled or hits a full disk keeps the last good
 * cache and thumbnails byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../../src/engine/config/loadConfig';
import { writeDemoData } from '../../../src/engine/data/demo';
import { ingestPool } from '../../../src/engine/pipeline/ingestStage';
import { runStage } from '../../../src/engine/runStage';
import { STAGE_LOCK_FILE } from '../../../src/shared/node/runLock';
import { openRun, readRun } from '../../../src/shared/node/runStore';
import { tempOwner, tempPath } from '../../../src/shared/node/tempFiles';
import { CLI, ROOT, runCli } from '../../helpers/engine';
import { makeTinyRun } from '../../helpers/tinyRun';
import { recordingContext } from '../data/context';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-lock-'));
const PRETRAIN = ['--preset', 'micro', '--steps', '20', '--checkpoint-every', '10', '--batch-size', '8', '--seed', '3'];

/** The pid of a process that has certainly ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** Every path under `dir` that is one of our temporaries or a lock. */
function leftovers(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.tmp($|\/)|\.lock$/.test(f));
}

/** sha256 of every file under the run's cache/ and thumbs/, by relative path. */
function hashCacheAndThumbs(runDir: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const folder of ['cache', 'thumbs']) {
    for (const entry of fs.readdirSync(path.join(runDir, folder), { recursive: true }).map(String).sort()) {
      const file = path.join(runDir, folder, entry);
      if (fs.statSync(file).isFile())
        hashes[path.join(folder, entry)] = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    }
  }
  return hashes;
}

/**
 * `optidel pretrain` in its own process, stopped at its first checkpoint until released: certainly
 * running (holding the run's stage lock) while the test acts.
 */
function startHeldPretrain(runDir: string) {
  const hold = tmp();
  const child = spawn(process.execPath, [CLI, 'pretrain', '--run', runDir, ...PRETRAIN, '--json'], {
    env: {
      ...process.env,
      NODE_OPTIONS: `--require ${path.join(ROOT, 'test/helpers/faults/holdWrite.cjs')}`,
      OPTIDEL_HOLD_PATH: 'checkpoints/pretrain/\\.step-0000010',
      OPTIDEL_HOLD_DIR: hold,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk));
  let ended = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve)).then(
    (code) => ((ended = true), code),
  );
  return {
    pid: child.pid!,
    output,
    exited,
    async reached(): Promise<void> {
      while (!fs.existsSync(path.join(hold, `reached-${child.pid}`))) {
        assert.ok(!ended, `the held pre-training ended before its checkpoint: ${output.stderr}`);
        await sleep(20);
      }
    },
    release: () => fs.writeFileSync(path.join(hold, 'release'), ''),
  };
}

test('a second stage on a run while pre-training runs in another process is refused, naming it; the first finishes unharmed', async () => {
  const { runDir, configFile } = makeTinyRun();
  const first = startHeldPretrain(runDir);
  try {
    await first.reached();
    const running = await readRun(runDir);
    assert.equal(running.stages.pretrain?.status, 'running');
    assert.equal(running.stages.pretrain?.pid, first.pid);

    const second = runCli(['pretrain', '--run', runDir, ...PRETRAIN, '--json']);
    assert.equal(second.status, 1, second.stderr);
    assert.ok(
      second.stderr.includes(`${runDir}: "pretrain" is already running in this run folder (process ${first.pid}`),
      second.stderr,
    );
    assert.match(
      second.stderr,
      /"pretrain" was not started\. Wait for it to finish or cancel it, then start "pretrain" again/,
    );
    assert.ok(second.stderr.includes(`delete ${path.join(runDir, STAGE_LOCK_FILE)}`), second.stderr);
    // An ingest that finds the pool unchanged writes nothing and goes through (bench workers repeat it).
    const unchanged = runCli(['ingest', '--config', configFile, '--out', runDir, '--json']);
    assert.equal(unchanged.status, 0, unchanged.stderr);
    assert.equal(unchanged.json!.cached, true);
    // Any writing stage is refused: a re-ingest of a changed pool would swap the cache under the running pre-training.
    const png = path.join(path.dirname(configFile), 'pool/xray/seq-00/frame-0000.png');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(png, later, later);
    const ingest = runCli(['ingest', '--config', configFile, '--out', runDir, '--json']);
    assert.equal(ingest.status, 1, ingest.stderr);
    assert.ok(
      ingest.stderr.includes(`"pretrain" is already running in this run folder (process ${first.pid}`) &&
        ingest.stderr.includes('"ingest" was not started'),
      ingest.stderr,
    );
    assert.deepEqual((await readRun(runDir)).stages, running.stages, 'the refused stages did not touch run.json');
  } finally {
    first.release(); // on a failure too, or the held process would keep the test waiting
  }
  assert.equal(await first.exited, 0, first.output.stderr);
  assert.equal(JSON.parse(first.output.stdout.trim().split('\n').pop()!).steps, 20);
  const record = await readRun(runDir);
  assert.equal(record.stages.pretrain?.status, 'done');
  assert.equal(record.stages.ingest?.status, 'done');
  assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints/pretrain/latest.json'), 'utf8')).step, 20);
  assert.deepEqual(leftovers(runDir), [], 'no lock and no temporary left');
});

test('a stage lock left by a dead process, by an earlier process with our pid, or unreadable is taken over with a log line', async () => {
  const runDir = tmp();
  const lock = path.join(runDir, STAGE_LOCK_FILE);
  const dead = deadPid();
  const left = [
    { pid: dead, hostname: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z', purpose: 'pretrain', token: 'a1' },
    { pid: process.pid, hostname: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z', purpose: 'score', token: 'b2' },
  ];
  for (const holder of left) {
    fs.writeFileSync(lock, JSON.stringify(holder));
    const ctx = recordingContext();
    assert.equal(await runStage(runDir, 'select', ctx, undefined, async () => ({ result: 7 })), 7);
    assert.ok(
      ctx.logs.includes(
        `info: select: took over ${lock}, left by "${holder.purpose}" of process ${holder.pid} (started ${holder.startedAt}), which no longer runs`,
      ),
      ctx.logs.join('\n'),
    );
    assert.deepEqual(ctx.stages, ['select:running', 'select:done']);
    assert.equal(fs.existsSync(lock), false, 'released after the stage');
  }
  fs.writeFileSync(lock, '');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lock, old, old); // empty and a minute old: its creator died before writing it
  const ctx = recordingContext();
  await runStage(runDir, 'select', ctx, undefined, async () => ({ result: 0 }));
  assert.ok(ctx.logs.includes(`info: select: took over ${lock}, which was unreadable`), ctx.logs.join('\n'));
  assert.deepEqual(leftovers(runDir), []);
});

test("a shared run's stage.lock that is a link (to /dev/zero, to a file of the user's) is named, never read or taken over", async () => {
  const runDir = tmp();
  const lock = path.join(runDir, STAGE_LOCK_FILE);
  const mine = path.join(tmp(), 'notes.json');
  // Looks like a lock of a live process: read through the link, it would make every stage refuse.
  const text = JSON.stringify({ pid: process.ppid, hostname: os.hostname(), startedAt: 'x', purpose: 'p', token: 't' });
  fs.writeFileSync(mine, text);
  for (const target of ['/dev/zero', mine]) {
    fs.rmSync(lock, { force: true });
    fs.symlinkSync(target, lock);
    const ctx = recordingContext();
    await assert.rejects(
      runStage(runDir, 'select', ctx, undefined, async () => ({ result: 0 })),
      (err: Error) =>
        err.message.startsWith(`${lock} is not a lock file OptiDEL wrote (a symbolic link or special file)`) &&
        err.message.endsWith('delete it, then try again'),
      target,
    );
    assert.deepEqual(ctx.stages, [], target);
    assert.ok(fs.lstatSync(lock).isSymbolicLink(), 'left for the user to look at');
  }
  assert.equal(fs.readFileSync(mine, 'utf8'), text);
});

test('a stage lock held in this process refuses a second stage and leaves run.json alone', async () => {
  const runDir = tmp();
  await openRun(runDir, { config: {} });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = runStage(runDir, 'pretrain', recordingContext(), undefined, async () => ({ result: await held }));
  while ((await readRun(runDir)).stages.pretrain?.status !== 'running') await sleep(5);
  const ctx = recordingContext();
  await assert.rejects(
    runStage(runDir, 'score', ctx, undefined, async () => ({ result: 0 })),
    (err: Error) =>
      err.name === 'RunBusyError' &&
      err.message.includes(`"pretrain" is already running in this run folder (process ${process.pid}`),
  );
  assert.deepEqual(ctx.stages, [], 'the refused stage sent no stage events');
  assert.equal((await readRun(runDir)).stages.score?.status, 'pending');
  release();
  await first;
  assert.equal((await readRun(runDir)).stages.pretrain?.status, 'done');
});

test('temporaries of dead processes are removed when a stage starts; live ones, other names and links are not', async () => {
  const runDir = tmp();
  const outside = tmp();
  const dead = deadPid();
  const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    const put = (relative: string) => {
      fs.mkdirSync(path.dirname(path.join(runDir, relative)), { recursive: true });
      fs.writeFileSync(path.join(runDir, relative), relative);
    };
    const deadOnes = [
      `run.json.${dead}-0123abcd.tmp`,
      `checkpoints/pretrain/.step-0000010.${dead}-89abcdef.tmp`,
      `rebuild.${dead}-deadbeef.tmp`,
      `cache/shard-00000.bin.${dead}-00ff00ff.tmp`,
    ];
    put(`run.json.${dead}-0123abcd.tmp`);
    put(`checkpoints/pretrain/.step-0000010.${dead}-89abcdef.tmp/weights.bin`);
    put(`rebuild.${dead}-deadbeef.tmp/cache/shard-00000.bin`);
    put(`cache/shard-00000.bin.${dead}-00ff00ff.tmp`);
    const kept = [
      `run.json.${live.pid}-0123abcd.tmp`, // a live process is still writing it
      `rebuild.${process.pid}-0badf00d.tmp/thumbs/atlas-00000.png`,
      'notes.tmp', // a user's files: not our names
      `scan.${dead}.tmp`,
      `cache/shard-00000.bin.${dead}-XYZ.tmp`,
    ];
    kept.forEach(put);
    fs.writeFileSync(path.join(outside, `scan.${dead}-11111111.tmp`), 'outside');
    fs.symlinkSync(outside, path.join(runDir, 'linked'));
    fs.symlinkSync(path.join(outside, `scan.${dead}-11111111.tmp`), path.join(runDir, `link.${dead}-22222222.tmp`));

    const ctx = recordingContext();
    await runStage(runDir, 'select', ctx, undefined, async () => ({ result: 0 }));
    for (const gone of deadOnes) {
      assert.equal(fs.existsSync(path.join(runDir, gone)), false, gone);
      assert.ok(
        ctx.logs.includes(`info: select: removed ${path.join(runDir, gone)}, left by a process that ended`),
        ctx.logs.join('\n'),
      );
    }
    for (const stays of kept) assert.equal(fs.readFileSync(path.join(runDir, stays), 'utf8'), stays);
    assert.equal(
      fs.readFileSync(path.join(outside, `scan.${dead}-11111111.tmp`), 'utf8'),
      'outside',
      'nothing behind a link is touched',
    );
    assert.ok(fs.lstatSync(path.join(runDir, `link.${dead}-22222222.tmp`)).isSymbolicLink(), 'a link is never removed');
  } finally {
    live.kill();
  }
  // Our own names carry our pid and differ on every call.
  const [a, b] = [tempPath(path.join(runDir, 'x')), tempPath(path.join(runDir, 'x'))];
  assert.notEqual(a, b);
  assert.equal(tempOwner(path.basename(a)), process.pid);
});

test('a re-ingest cancelled half-way keeps the previous cache and thumbnails byte for byte; a finished one replaces them', async () => {
  const configFile = (await writeDemoData(tmp(), { size: 'tiny', seed: 3 })).configFile;
  const loaded = await loadConfig(configFile);
  const runDir = tmp();
  await ingestPool(loaded, runDir, recordingContext());
  const before = hashCacheAndThumbs(runDir);
  const contentHash = () =>
    (JSON.parse(fs.readFileSync(path.join(runDir, 'cache/index.json'), 'utf8')) as { contentHash: string }).contentHash;
  const oldHash = contentHash();
  const png = path.join(path.dirname(configFile), 'pool/xray/seq-00/frame-0000.png');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(png, later, later); // the pool changed: the next ingest decodes it again

  const ctx = recordingContext();
  ctx.progress = () => {
    if (++ctx.progressCalls === 3) ctx.controller.abort(); // after the first units were decoded
  };
  await assert.rejects(ingestPool(loaded, runDir, ctx), { name: 'CancelledError' });
  assert.deepEqual(hashCacheAndThumbs(runDir), before);
  assert.equal((await readRun(runDir)).stages.ingest?.status, 'cancelled');
  assert.deepEqual(leftovers(runDir), [], 'no staging folder left');

  const rebuilt = await ingestPool(loaded, runDir, recordingContext());
  assert.equal(rebuilt.cached, false);
  assert.notEqual(contentHash(), oldHash, 'the new cache is in place');
  assert.deepEqual(leftovers(runDir), [], 'the old cache set aside is gone too');
});

test('a re-ingest that hits a full disk fails saying so and keeps the previous cache and thumbnails byte for byte', () => {
  const { runDir, configFile } = makeTinyRun();
  const before = hashCacheAndThumbs(runDir);
  const png = path.join(path.dirname(configFile), 'pool/xray/seq-00/frame-0000.png');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(png, later, later);
  const full = runCli(['ingest', '--config', configFile, '--out', runDir, '--json'], {
    env: {
      NODE_OPTIONS: `--require ${path.join(ROOT, 'test/helpers/faults/diskFull.cjs')}`,
      OPTIDEL_FAULT_PATH: '\\.tmp/cache/',
    },
  });
  assert.equal(full.status, 1, full.stderr);
  assert.match(full.stderr, /ENOSPC: no space left on device/);
  assert.deepEqual(hashCacheAndThumbs(runDir), before);
  assert.deepEqual(leftovers(runDir), []);
});
