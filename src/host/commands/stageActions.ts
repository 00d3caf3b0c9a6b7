/**
 * The Runs view's stage menu: run a stage again (through the stage's own command, which resumes
 * from its checkpoint), show why it failed, open its metrics file.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { STAGES, STAGE_TITLES, type RunRecord, type StageName } from '../../shared/runRecord';
import { HostError, escapeForLog } from '../notify';
import { runDirFromArgument } from '../panels/openRunView';
import { RunPanel } from '../panels/runPanel';
import type { HostCommand } from '../services';
import { STAGE_COMMANDS, stageError } from '../views/runCapabilities';

interface StageNode {
  dir: string;
  stage: StageName;
  record: RunRecord;
}

/** The stage item a menu passed; these commands have no meaning without one. */
function stageNode(arg: unknown): StageNode {
  const { stage, record } = (arg ?? {}) as { stage?: unknown; record?: RunRecord };
  const dir = runDirFromArgument(arg);
  if (!dir || !(STAGES as readonly unknown[]).includes(stage) || typeof record !== 'object' || record === null) {
    throw new HostError('choose a stage of a run in the OptiDEL Runs view');
  }
  return { dir, stage: stage as StageName, record };
}

export const runStageAgain: HostCommand = {
  id: 'optidel.runStageAgain',
  run(_services, arg) {
    const { dir, stage } = stageNode(arg);
    const command = STAGE_COMMANDS[stage];
    if (!command)
      throw new HostError(`${STAGE_TITLES[stage]} is run again by a new run: use Ingest Pool or Run Pipeline`);
    return vscode.commands.executeCommand(command, dir);
  },
};

/** The error is the run folder's text, so it goes to the log (escaped), which is then shown. */
export const showStageError: HostCommand = {
  id: 'optidel.showStageError',
  run({ log }, arg) {
    const { dir, stage, record } = stageNode(arg);
    const error = stageError(record, stage) ?? 'no error recorded';
    log.error(escapeForLog(`${path.basename(dir)} ${stage}: ${error}`));
    log.show(true);
    return error;
  },
};

/** A stage's metrics as curves (every training of the run, live), not as raw JSON lines. */
export const openStageMetrics: HostCommand = {
  id: 'optidel.openStageMetrics',
  run(services, arg) {
    const { dir } = stageNode(arg);
    RunPanel.show(services, 'curves', dir);
    return dir;
  },
};
