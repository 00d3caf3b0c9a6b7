/** The run folders of the whole workspace: those in each workspace folder's runs folder, newest first. */
import type { RunRecord } from '../shared/runRecord';
import { listRuns, newestRunFirst } from '../shared/node/runStore';
import { runsFolders } from './settings';

export interface WorkspaceRun {
  dir: string;
  record?: RunRecord;
  error?: string;
}

export async function listWorkspaceRuns(): Promise<WorkspaceRun[]> {
  const perFolder = await Promise.all(runsFolders().map((root) => listRuns(root)));
  return perFolder.flat().sort(newestRunFirst);
}
