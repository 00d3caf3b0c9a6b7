/**
 * "OptiDEL: Pre-train Foundation Model", and the shape shared by the model stages' commands: find
 * the run (the Runs view item clicked, a folder, else a pick), run the engine command under a
 * cancellable progress notification, refresh the Runs view, and say what came out.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { CommandArgs, CommandName, CommandResult } from '../../shared/commands';
import type { StageName } from '../../shared/runRecord';
import { STAGE_TITLES } from '../../shared/runRecord';
import { assertRunFolder, runDirFromArgument, workspaceRunsOrThrow } from '../panels/openRunView';
import type { HostCommand } from '../services';

export function stageCommand<N extends CommandName>(
  id: string,
  command: N,
  stage: StageName,
  args: (runDir: string) => CommandArgs<N>,
  summary: (r: CommandResult<N>) => string,
  /** The progress title, when the command is not the stage itself (it only needs `stage` done). */
  title = `OptiDEL: ${STAGE_TITLES[stage]}`,
): HostCommand {
  return {
    id,
    async run(services, arg) {
      const runDir = runDirFromArgument(arg) ?? (await pickRunFor(stage));
      if (!runDir) return undefined;
      assertRunFolder(runDir);
      try {
        const result = await services.engine.run(command, args(runDir), title);
        void services.notify.info(`OptiDEL: ${summary(result)}`);
        return result;
      } finally {
        services.runs.refresh();
      }
    },
  };
}

/** A quick pick of the workspace's runs, each with the stage's current status. */
async function pickRunFor(stage: StageName): Promise<string | undefined> {
  const none = 'no OptiDEL runs in the runs folder (setting optidel.runsFolder); ingest a pool first';
  const runs = await workspaceRunsOrThrow((r) => !!r.record, none);
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({
      label: path.basename(r.dir),
      description: `${stage}: ${r.record!.stages[stage]?.status ?? 'pending'}`,
      dir: r.dir,
    })),
    { title: `OptiDEL: ${STAGE_TITLES[stage]}`, placeHolder: 'Which run?' },
  );
  return pick?.dir;
}

export const pretrainModel = stageCommand(
  'optidel.pretrain',
  'pretrain',
  'pretrain',
  (run) => ({ run }),
  (r) =>
    `pre-trained ${r.preset} on ${r.samples} samples, ${r.steps} steps${r.resumedFrom ? ` (resumed at ${r.resumedFrom})` : ''}, loss ${r.finalLoss.toFixed(4)}, ${r.imagesPerSecond.toFixed(1)} images/s`,
);
