/**
 * The Runs view's folder actions on a run: delete it (asked first, and only what runDeletion.ts
 * allows), reveal it in the OS, copy its path.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { HostError } from '../notify';
import { runDirFromArgument } from '../panels/openRunView';
import { runFolderToDelete } from '../runDeletion';
import type { HostCommand } from '../services';
import { runsFolders } from '../settings';

function chosenRun(arg: unknown): string {
  const dir = runDirFromArgument(arg);
  if (!dir) throw new HostError('choose a run in the OptiDEL Runs view');
  return dir;
}

export const deleteRun: HostCommand = {
  id: 'optidel.deleteRun',
  async run(services, arg) {
    const target = await runFolderToDelete(chosenRun(arg), runsFolders());
    const remove = 'Delete';
    const answer = await services.notify.ask(
      'Delete this OptiDEL run folder?',
      'Every artifact of the run (cache, checkpoints, scores, selections, reports) is removed from disk. This cannot be undone.',
      remove,
    );
    if (answer !== remove) return undefined;
    await fs.promises.rm(target, { recursive: true });
    services.log.info(`deleted run folder ${target}`);
    services.runs.refresh();
    return target;
  },
};

export const revealRun: HostCommand = {
  id: 'optidel.revealRun',
  run(_services, arg) {
    return vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(chosenRun(arg)));
  },
};

export const copyRunPath: HostCommand = {
  id: 'optidel.copyRunPath',
  async run(_services, arg) {
    const dir = chosenRun(arg);
    await vscode.env.clipboard.writeText(dir);
    return dir;
  },
};
