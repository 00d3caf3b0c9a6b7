/**
 * Run folders: `<runs>/<run-id>/run.json` plus the artifacts each stage writes beside it.
 * Used by the engine (which writes) and the host's Runs view (which reads).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StageStatus } from '../protocol';
import type { RunRecord, StageName, StageRecord } from '../runRecord';
import { STAGES, parseRunRecord } from '../runRecord';
import { readJsonFile, writeJsonAtomic } from './atomicFile';

export const RUN_FILE = 'run.json';

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function readRun(runDir: string): Promise<RunRecord> {
  const file = path.join(runDir, RUN_FILE);
  return parseRunRecord(await readJsonFile(file), file);
}

/** Opens the run in `runDir`, creating run.json with every stage pending if it is new. */
export async function openRun(runDir: string, init: { config: Record<string, unknown>; configPath?: string }): Promise<RunRecord> {
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
}

/** Serialises updates per run folder within this process so concurrent stage events never lose a write. */
const queues = new Map<string, Promise<unknown>>();

export function updateRun(runDir: string, change: (record: RunRecord) => void): Promise<RunRecord> {
  const key = path.resolve(runDir);
  const next = (queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(async () => {
    const record = await readRun(runDir);
    change(record);
    await writeJsonAtomic(path.join(runDir, RUN_FILE), record);
    return record;
  });
  queues.set(key, next);
  return next;
}

export function setStage(runDir: string, stage: StageName, status: StageStatus, extra: Partial<StageRecord> = {}): Promise<RunRecord> {
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
  return runs.sort((a, b) => (b.record?.createdAt ?? '').localeCompare(a.record?.createdAt ?? '') || b.dir.localeCompare(a.dir));
}

/** Whether a process with this pid exists (signal 0 only checks). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
