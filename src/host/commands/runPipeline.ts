/**
 * "OptiDEL: Run Pipeline": every stage (ingest to compact pre-training) for the workspace's
 * optidel.json into a new run folder, under one cancellable progress notification. A cancelled
 * or failed run resumes where it stopped when run again on the same folder from the command line
 * (`optidel run --out RUN_DIR`); the Runs view follows each stage through run.json. The progress
 * bar gives each stage its share of the time (progressMeter.ts). From a menu on an optidel.json,
 * that file is used, and the run goes to the runs folder of the workspace folder holding it.
 */
import * as path from 'node:path';
import { newRunId } from '../../shared/node/runStore';
import type { HostCommand } from '../services';
import { HostError, NO_FOLDER } from '../notify';
import { runsRoot, scoreRuntime } from '../settings';
import { findWorkspaceConfig } from '../workspaceConfig';
import { pickSelectionMethod } from './select';
import { STAGES } from '../../shared/runRecord';
import { pipelineWeights, type ProgressPlan } from '../progress/progressMeter';
import { listWorkspaceRuns } from '../workspaceRuns';

/** The engine's `run` reports each stage it starts as progress of stage "run"; it runs every stage but fine-tuning. */
const PIPELINE_STAGES = STAGES.filter((stage) => stage !== 'finetune');

/** The bar's stages weighted by the newest run of the workspace that timed them all. */
async function pipelinePlan(): Promise<ProgressPlan> {
  const runs = await listWorkspaceRuns().catch(() => []);
  return {
    outer: 'run',
    stages: pipelineWeights(
      PIPELINE_STAGES,
      runs.map((r) => r.record),
    ),
  };
}

export const runPipeline: HostCommand = {
  id: 'optidel.runPipeline',
  async run(services, arg) {
    const config = await findWorkspaceConfig(services, { title: 'OptiDEL: Run Pipeline', given: arg });
    if (!config) return undefined;
    const method = await pickSelectionMethod('OptiDEL: Run Pipeline');
    if (!method) return undefined;
    const root = runsRoot(config);
    if (!root) throw new HostError(NO_FOLDER);
    const out = path.join(root, newRunId());
    services.runs.refresh();
    const plan = await pipelinePlan();
    try {
      const r = await services.engine.run(
        'run',
        { config, out, method, runtime: scoreRuntime() },
        `OptiDEL: Run Pipeline (${method})`,
        plan,
      );
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
