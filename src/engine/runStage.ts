/**
 * Runs one pipeline stage of a run folder: under the folder's stage lock (one writing stage at a
 * time, see runLock.ts), with the temporaries of dead processes cleaned first; run.json moves
 * running -> done / failed / cancelled, and the host hears each move.
 */
import type { CommandContext } from './command';
import { CancelledError } from './command';
import { openRun, setStage } from '../shared/node/runStore';
import { lockRunForStage } from '../shared/node/runLock';
import { removeDeadTemps } from '../shared/node/tempFiles';
import type { StageName } from '../shared/runRecord';
import { checkRunLayout } from '../shared/run/node/contain';

export async function runStage<T>(
  runDir: string,
  stage: StageName,
  ctx: CommandContext,
  backend: string | undefined,
  work: () => Promise<{ result: T; summary?: Record<string, number | string> }>,
): Promise<T> {
  // An --out folder (ingest, run, bench) is checked here; a --run folder also when the command started.
  checkRunLayout(runDir);
  // Refused before run.json is touched: the stage already running keeps its record as it is.
  const lock = await lockRunForStage(runDir, stage, (message) => ctx.log('info', message));
  try {
    for (const removed of await removeDeadTemps(runDir))
      ctx.log('info', `${stage}: removed ${removed}, left by a process that ended`);
    await openRun(runDir, { config: {} }); // a run folder made by hand (no ingest) still gets a run.json
    await setStage(runDir, stage, 'running', backend ? { backend } : {});
    ctx.stage(runDir, stage, 'running');
    try {
      const { result, summary } = await work();
      await setStage(runDir, stage, 'done', summary ? { summary } : {});
      ctx.stage(runDir, stage, 'done');
      return result;
    } catch (err) {
      const cancelled = err instanceof CancelledError;
      await setStage(
        runDir,
        stage,
        cancelled ? 'cancelled' : 'failed',
        cancelled ? {} : { error: (err as Error).message },
      );
      ctx.stage(runDir, stage, cancelled ? 'cancelled' : 'failed');
      throw err;
    }
  } finally {
    await lock.release();
  }
}
