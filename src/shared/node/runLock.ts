/**
 * One writing stage at a time per run folder: `<run>/stage.lock` names the stage and the process
 * running it, and a second stage is refused while that process lives. Every stage excludes every
 * other, not only a second copy of itself, because each reads what the ones before it write:
 * pre-training reads the cache that ingest rebuilds, scoring and training read the checkpoints
 * that pre-training writes, synthesis reads the selection. Two different stages at once are no
 * safer than two of the same. Readers (the views, export) take no lock: every write is atomic.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { HeldLock, LockHolder } from './lockFile';
import { holderIsGone, tryLock } from './lockFile';

export const STAGE_LOCK_FILE = 'stage.lock';

export class RunBusyError extends Error {
  override name = 'RunBusyError';
}

/** Takes the run folder's stage lock for `stage`; throws RunBusyError naming the stage and process that hold it. */
export async function lockRunForStage(
  runDir: string,
  stage: string,
  log: (message: string) => void,
): Promise<HeldLock> {
  const file = path.join(runDir, STAGE_LOCK_FILE);
  // A stage may run for hours, so only a holder that is gone is stale, never an old one.
  const attempt = await tryLock(file, stage, holderIsGone);
  if ('holder' in attempt) throw new RunBusyError(busyMessage(runDir, stage, file, attempt.holder));
  if (attempt.tookOver) {
    const before = attempt.tookOver.holder;
    log(
      `${stage}: took over ${file}, ${before ? `left by "${before.purpose}" of process ${before.pid} (started ${before.startedAt}), which no longer runs` : 'which was unreadable'}`,
    );
  }
  return attempt.lock;
}

function busyMessage(runDir: string, stage: string, file: string, holder: LockHolder): string {
  const where =
    holder.hostname === os.hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.hostname}`;
  return (
    `${runDir}: "${holder.purpose}" is already running in this run folder (${where}, since ${holder.startedAt}), so "${stage}" was not started. ` +
    `Wait for it to finish or cancel it, then start "${stage}" again. If no OptiDEL engine is running as ${where}, delete ${file}.`
  );
}
