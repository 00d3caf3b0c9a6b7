/**
 * "OptiDEL: Ingest Pool": the workspace's optidel.json (created with demo data on request) is
 * ingested into a new run folder with progress and cancel; skipped files go to the log with
 * their reasons.
 */
import * as path from 'node:path';
import { newRunId } from '../../shared/node/runStore';
import type { HostCommand } from '../services';
import { HostError, NO_FOLDER } from '../notify';
import { runsRoot } from '../settings';
import { findWorkspaceConfig } from '../workspaceConfig';

export const ingestPool: HostCommand = {
  id: 'optidel.ingestPool',
  async run(services, arg) {
    const config = await findWorkspaceConfig(services, { title: 'OptiDEL: Ingest Pool', given: arg });
    if (!config) return undefined;
    const root = runsRoot(config);
    if (!root) throw new HostError(NO_FOLDER);
    const runDir = path.join(root, newRunId());
    const { log } = services;
    try {
      const result = await services.engine.run('ingest', { config, out: runDir }, 'OptiDEL: ingesting the pool');
      log.info(
        `ingest: ${result.samples} samples from ${result.sources} sources in ${result.seconds.toFixed(1)} s, ${result.emptySlicesSkipped} empty slices skipped → ${runDir}`,
      );
      const message = `OptiDEL: ingested ${result.samples} samples from ${result.sources} sources${result.skipped.length ? `; ${result.skipped.length} skipped (see the log)` : ''}.`;
      const skipped = result.skipped.map((s) => `ingest skipped ${s.path}: ${s.reason}`);
      if (skipped.length) await services.notify.show('warn', message, skipped);
      else await services.notify.info(message);
      return result;
    } finally {
      services.runs.refresh();
    }
  },
};
