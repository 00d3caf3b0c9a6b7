/** Settings the pipeline stages share: budget and seed from flags, then the run's config, then defaults; the model the pool was scored with. */
import { isRunFolder, readRun } from '../../shared/node/runStore';
import type { RunRecord } from '../../shared/runRecord';
import { checkpointDir, latestCheckpoint } from '../model/checkpoint';
import { MaeModel } from '../model/mae';

export async function runRecordOrUndefined(runDir: string): Promise<RunRecord | undefined> {
  return isRunFolder(runDir) ? readRun(runDir) : undefined;
}

export function budgetAndSeed(
  record: RunRecord | undefined,
  args: { budget?: number; seed?: number },
): { budget: number; seed: number } {
  const config = record?.config ?? {};
  return {
    budget: args.budget ?? (typeof config.budget === 'number' ? config.budget : 0.05),
    seed: args.seed ?? (typeof config.seed === 'number' ? config.seed : 0),
  };
}

/** The foundation model (checkpoints/pretrain), or undefined when the run has none. Call after selectBackend(). */
export async function loadFoundation(runDir: string): Promise<MaeModel | undefined> {
  return (await latestCheckpoint(checkpointDir(runDir, 'pretrain')))
    ? MaeModel.load(checkpointDir(runDir, 'pretrain'))
    : undefined;
}
