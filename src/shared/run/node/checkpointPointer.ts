/**
 * `checkpoints/<name>/latest.json` names the newest complete checkpoint folder (`step-0000123`).
 * Read from a run folder that may have been shared, so the folder it names must be a step folder
 * right inside the checkpoint folder: `../../elsewhere` or a link is refused. Node only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveInRun, RunPathError } from './contain';

export const CHECKPOINT_POINTER = 'latest.json';

/** Step folders, `step-` and the step number padded to seven digits. */
export const STEP_FOLDER = /^step-\d+$/;

export function stepFolderName(step: number): string {
  return `step-${String(step).padStart(7, '0')}`;
}

/** The absolute step folder `latest.json` in `checkpointDir` names, or undefined when there is no pointer. */
export function readCheckpointPointer(checkpointDir: string): string | undefined {
  const pointer = path.join(checkpointDir, CHECKPOINT_POINTER);
  if (!fs.existsSync(pointer)) return undefined;
  const fix = `delete ${pointer} to start over`;
  let latest: { dir?: unknown } | null;
  try {
    latest = JSON.parse(fs.readFileSync(pointer, 'utf8')) as { dir?: unknown } | null;
  } catch (err) {
    throw new RunPathError(
      `${pointer}: not valid JSON (${(err as Error).message}); ${fix}`,
      CHECKPOINT_POINTER,
      pointer,
    );
  }
  const dir = latest?.dir;
  if (typeof dir !== 'string' || !STEP_FOLDER.test(dir)) {
    throw new RunPathError(
      `${pointer}: "dir" ${JSON.stringify(dir)} is not a checkpoint folder name (step-<number>); ${fix}`,
      String(dir),
      pointer,
    );
  }
  return resolveInRun(checkpointDir, dir, { source: pointer, mustExist: true, fix });
}
