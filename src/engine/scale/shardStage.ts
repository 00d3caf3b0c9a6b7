/**
 * A stage run whole or as one shard. Whole, it runs under the run folder's stage lock and moves
 * run.json (runStage). A shard takes neither: its n siblings run at once on other machines against
 * the same run folder, and each writes only its own part folder (atomically). run.json learns of
 * the stage when `optidel merge` joins the parts.
 */
import type { CommandContext } from '../command';
import type { ShardedStage } from '../../shared/run/layout';
import { runStage } from '../runStage';
import { shardLabel, type Shard } from './shard';

export async function runStageOrShard<T>(
  runDir: string,
  stage: ShardedStage,
  shard: Shard | undefined,
  ctx: CommandContext,
  backend: string | undefined,
  work: () => Promise<{ result: T; summary?: Record<string, number | string> }>,
): Promise<T> {
  if (!shard) return runStage(runDir, stage, ctx, backend, work);
  ctx.log(
    'info',
    `${stage}: shard ${shardLabel(shard)}; run.json is updated by "optidel merge" once every shard is done`,
  );
  return (await work()).result;
}
