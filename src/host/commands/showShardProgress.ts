/**
 * "OptiDEL: Show Sharded Progress": for a run scored on a cluster (docs/scale-out.md), which
 * shards of each sharded stage are done and which are missing, read from the parts' records on
 * the shared file system, and whether `optidel merge` has joined them yet (run.json). The lines
 * go to the OptiDEL log; a short summary is shown. No engine needed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../shared/artifacts';
import { readRun } from '../../shared/node/runStore';
import { readShardProgress, shardRanges } from '../../shared/node/shardProgress';
import { HostError, escapeForLog } from '../notify';
import { pickWorkspaceRun, runDirFromArgument } from '../panels/openRunView';
import type { HostCommand } from '../services';

export const showShardProgress: HostCommand = {
  id: 'optidel.showShardProgress',
  async run({ log, notify }, arg) {
    const runDir = runDirFromArgument(arg) ?? (await pickShardedRun());
    if (!runDir) return undefined;
    const splits = await readShardProgress(runDir);
    if (splits.length === 0)
      throw new HostError(
        `this run has no shard parts (${ARTIFACTS.partsDir}/ is empty): it was not run sharded`,
        runDir,
      );
    const stages = (await readRun(runDir).catch(() => undefined))?.stages;
    const lines = splits.map((s) => {
      const merged = stages?.[s.stage]?.status === 'done' ? '; the stage is done in run.json' : '';
      const missing = s.missing.length ? `, missing ${shardRanges(s.missing)}` : '';
      return `${s.stage}: ${s.done.length} of ${s.count} shards done${missing}${merged}`;
    });
    for (const line of lines) log.info(escapeForLog(`${path.basename(runDir)} ${line}`));
    log.show(true);
    void notify.info(`OptiDEL: ${lines.join('; ')}`);
    return splits;
  },
};

function pickShardedRun(): Promise<string | undefined> {
  const none = `no run in the runs folder (setting optidel.runsFolder) has shard parts under ${ARTIFACTS.partsDir}/`;
  return pickWorkspaceRun((r) => fs.existsSync(path.join(r.dir, ARTIFACTS.partsDir)), none, 'Show Sharded Progress');
}
