/**
 * Run folders: `<runs>/<run-id>/run.json` plus the artifacts each stage writes beside it.
 * Used by the engine (which writes) and the host's Runs view (which reads).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StageStatus } from '../protocol';
import type { RunRecord, StageName, StageRecord } from '../runRecord';
import { STAGES, parseRunRecord } from '../runRecord';
import { ARTIFACTS } from '../run/layout';
import { resolveInRun } from '../run/node/contain';
import { readJsonFile, writeJsonAtomic } from './atomicFile';
import type { LockHolder } from './lockFile';
import { holderIsGone, tryLock } from './lockFile';
import { processAlive } from './processAlive';

export const RUN_FILE = ARTIFACTS.run;

/** Whether `dir` is a run folder: it holds a run.json. */
export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, RUN_FILE));
}
/** Held across each read-modify-write of run.json, by whichever process (host, engine, CLI) makes it. */
export const RUN_FILE_LOCK = ARTIFACTS.runLock;
/**
 * A run.json update takes milliseconds: a lock held longer belongs to a process that hangs or to
 * one on another machine whose pid cannot be checked, and is taken over rather than waited on forever.
 */
const RUN_FILE_LOCK_STALE_MS = 15_000;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function readRun(runDir: string): Promise<RunRecord> {
  // The Runs view lists every run of a cloned repository unasked: a run.json linked to /dev/zero
  // or to another folder's run is named, never read.
  const file = resolveInRun(runDir, RUN_FILE, { fix: "replace the link with the run folder's own run.json" });
  return parseRunRecord(await readJsonFile(file), path.join(runDir, RUN_FILE));
}

/** Opens the run in `runDir`, creating run.json with every stage pending if it is new. */
export async function openRun(
  runDir: string,
  init: { config: Record<string, unknown>; configPath?: string },
): Promise<RunRecord> {
  if (fs.existsSync(path.join(runDir, RUN_FILE))) return readRun(runDir);
  await fs.promises.mkdir(runDir, { recursive: true });
  return withRunFile(runDir, async () => {
    // Another process may have created it while this one waited for the lock.
    if (fs.existsSync(path.join(runDir, RUN_FILE))) return readRun(runDir);
    const record: RunRecord = {
      version: 1,
      id: path.basename(path.resolve(runDir)),
      createdAt: new Date().toISOString(),
      configPath: init.configPath,
      config: init.config,
      stages: Object.fromEntries(STAGES.map((s) => [s, { status: 'pending' }])),
    };
    await writeJsonAtomic(path.join(runDir, RUN_FILE), record);
    return record;
  });
}

/** Reads run.json, applies `change` and writes it back, with no other update (of any process) in between. */
export function updateRun(runDir: string, change: (record: RunRecord) => void): Promise<RunRecord> {
  return withRunFile(runDir, async () => {
    const record = await readRun(runDir);
    change(record);
    await writeJsonAtomic(path.join(runDir, RUN_FILE), record);
    return record;
  });
}

/** Each run folder's updates queue here within this process, so only one of them at a time waits for the lock across processes. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `work` (a read-modify-write of run.json) while no other update of this run's record, in any process, runs. */
function withRunFile<T>(runDir: string, work: () => Promise<T>): Promise<T> {
  const key = path.resolve(runDir);
  const next = (queues.get(key) ?? Promise.resolve())
    .catch(() => undefined)
    .then(async () => {
      const file = path.join(key, RUN_FILE_LOCK);
      const since = Date.now();
      const stale = (holder: LockHolder, ageMs: number) =>
        holderIsGone(holder) || Math.max(ageMs, Date.now() - since) > RUN_FILE_LOCK_STALE_MS;
      for (;;) {
        const attempt = await tryLock(file, 'run.json update', stale);
        if ('lock' in attempt) {
          try {
            return await work();
          } finally {
            await attempt.lock.release();
          }
        }
        await sleep(2 + Math.random() * 8);
      }
    });
  queues.set(key, next);
  return next;
}

export function setStage(
  runDir: string,
  stage: StageName,
  status: StageStatus,
  extra: Partial<StageRecord> = {},
): Promise<RunRecord> {
  return updateRun(runDir, (record) => {
    const previous = record.stages[stage] ?? { status: 'pending' };
    const now = new Date().toISOString();
    const next: StageRecord = { ...previous, ...extra, status };
    if (status === 'running') {
      next.pid = process.pid;
      next.startedAt = now;
      delete next.finishedAt;
      delete next.seconds;
      delete next.error;
    } else if (status !== 'pending') {
      delete next.pid;
      next.finishedAt = now;
      if (previous.startedAt) next.seconds = (Date.parse(now) - Date.parse(previous.startedAt)) / 1000;
    }
    record.stages[stage] = next;
    if (extra.backend) record.backend = extra.backend;
  });
}

/** Every run folder under `runsRoot` with its record, newest first; unreadable ones come back with the error. */
export async function listRuns(runsRoot: string): Promise<Array<{ dir: string; record?: RunRecord; error?: string }>> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(runsRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  const runs = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(runsRoot, e.name, RUN_FILE)))
      .map(async (e) => {
        const dir = path.join(runsRoot, e.name);
        try {
          return { dir, record: await readRun(dir) };
        } catch (err) {
          return { dir, error: (err as Error).message };
        }
      }),
  );
  return runs.sort(newestRunFirst);
}

/** Order of run listings everywhere (the CLI, the Runs view across workspace folders): newest first, then by folder. */
export function newestRunFirst(a: { dir: string; record?: RunRecord }, b: { dir: string; record?: RunRecord }): number {
  return (b.record?.createdAt ?? '').localeCompare(a.record?.createdAt ?? '') || b.dir.localeCompare(a.dir);
}

/** Stages marked running whose engine process is gone: killed, crashed, or the machine restarted. */
export function interruptedStages(record: RunRecord): StageName[] {
  return STAGES.filter((s) => {
    const stage = record.stages[s];
    return stage?.status === 'running' && stage.pid !== undefined && !processAlive(stage.pid);
  });
}

/**
 * Marks the stages whose engine died as failed, so the run shows what happened and the stage can
 * be rerun (stages resume from their last checkpoint). Returns the stages it marked.
 */
export async function markInterrupted(runDir: string, reason: string): Promise<StageName[]> {
  let marked: StageName[] = [];
  await updateRun(runDir, (record) => {
    marked = interruptedStages(record);
    for (const s of marked) {
      const stage = record.stages[s]!;
      delete stage.pid;
      stage.status = 'failed';
      stage.error = reason;
      stage.finishedAt = new Date().toISOString();
    }
  });
  return marked;
}
