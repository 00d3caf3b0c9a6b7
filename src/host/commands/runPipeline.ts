/**
 * "OptiDEL: Run Pipeline": every stage (ingest to compact pre-training) for the workspace's
 * optidel.json into a new run folder, under one cancellable progress notification. A cancelled
 * or failed run resumes where it stopped when run again on the same folder from the command line
 * (`optidel run --out RUN_DIR`); the Runs view follows each stage through run.json.
 */
import * as path from 'node:path';
import { newRunId } from '../../shared/node/runStore';
import type { HostCommand } from '../services';
import { HostError, NO_FOLDER } from '../notify';
import { runsRoot } from '../settings';
import { findWorkspaceConfig } from '../workspaceConfig';
import { pickSelectionMethod } from './select';

export const runPipeline: HostCommand = {
  id: 'optidel.runPipeline',
  async run(services) {
    const config = await findWorkspaceConfig(services, { title: 'OptiDEL: Run Pipeline' });
    if (!config) return undefined;
    const method = await pickSelectionMethod('OptiDEL: Run Pipeline');
    if (!method) return undefined;
    const root = runsRoot(config);
    if (!root) throw new HostError(NO_FOLDER);
    const out = path.join(root, newRunId());
    services.runs.refresh();
    try {
      const r = await services.engine.run('run', { config, out, method }, `OptiDEL: Run Pipeline (${method})`);
      services.log.info(
        `run ${out}: ${Object.entries(r.stages)
          .map(([s, how]) => `${s} ${how}`)
          .join(', ')}; ${r.seconds.toFixed(0)} s`,
      );
      void services.notify.info(
        `OptiDEL: ${method} pipeline done: ${r.selected} selected, ${r.generated} generated${r.vInformation ? `, V-information ${r.vInformation.value.toFixed(4)}` : ''}, compact pre-training loss ${r.trainLoss.toFixed(4)}.`,
      );
      return r;
    } finally {
      services.runs.refresh();
    }
  },
};
