/**
 * The Runs view's folder actions on a run: delete it (asked first, and only a run folder directly
 * inside a runs folder, never through a link), reveal it in the OS, copy its path.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRun } from '../../shared/node/runStore';
import { resolveInRun } from '../../shared/run/node/contain';
import { HostError } from '../notify';
import { assertRunFolder, runDirFromArgument } from '../panels/openRunView';
import type { HostCommand } from '../services';
import { runsFolders } from '../settings';
import { runningStages } from '../views/runCapabilities';

function chosenRun(arg: unknown): string {
  const dir = runDirFromArgument(arg);
  if (!dir) throw new HostError('choose a run in the OptiDEL Runs view');
  return dir;
}

export const deleteRun: HostCommand = {
  id: 'optidel.deleteRun',
  async run(services, arg) {
    const dir = path.resolve(chosenRun(arg));
    const root = runsFolders().find((r) => path.resolve(r) === path.dirname(dir));
    if (!root) {
      throw new HostError(
        'only a run folder directly inside a runs folder (setting optidel.runsFolder) is deleted',
        dir,
      );
    }
    assertRunFolder(dir);
    // The one segment below the runs folder must be a real folder, not a link to somewhere else.
    const target = resolveInRun(root, path.basename(dir), { mustExist: true, fix: 'delete the link by hand' });
    const record = await readRun(target).catch(() => undefined);
    if (record && runningStages(record).length > 0) {
      throw new HostError('this run has a stage running: cancel it first, then delete the run', dir);
    }
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
