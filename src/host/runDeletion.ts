/**
 * Which folder "Delete Run" may remove: a run folder (it holds run.json) directly inside one of
 * the runs folders, and itself a real folder, not a link (a link in a shared runs folder can point
 * anywhere on the disk), with no stage running in a live engine. Anything else is refused before
 * a file is touched. Free of `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILE, readRun } from '../shared/node/runStore';
import { resolveInRun } from '../shared/run/node/contain';
import { HostError } from './notify';
import { runningStages } from './views/runCapabilities';

/** The absolute folder to remove for `runDir`, or a HostError (or RunPathError) saying why not. */
export async function runFolderToDelete(runDir: string, runsFolders: readonly string[]): Promise<string> {
  const dir = path.resolve(runDir);
  const root = runsFolders.find((r) => path.resolve(r) === path.dirname(dir));
  if (!root) {
    throw new HostError('only a run folder directly inside a runs folder (setting optidel.runsFolder) is deleted', dir);
  }
  const target = resolveInRun(root, path.basename(dir), {
    mustExist: true,
    fix: 'a linked run folder is not deleted from the Runs view; remove the link by hand',
  });
  if (!fs.existsSync(path.join(target, RUN_FILE))) {
    throw new HostError(`this folder is not an OptiDEL run folder (no ${RUN_FILE}); it is not deleted`, dir);
  }
  // An unreadable run.json is no reason to keep the folder: deleting it is one way to fix it.
  const record = await readRun(target).catch(() => undefined);
  if (record && runningStages(record).length > 0) {
    throw new HostError('this run has a stage running: cancel it first, then delete the run', dir);
  }
  return target;
}
