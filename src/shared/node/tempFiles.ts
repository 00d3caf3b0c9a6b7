/**
 * Temporary names: every temporary file or folder OptiDEL writes is named `<target>.<pid>-<nonce>.tmp`
 * beside its target, so two processes (or two requests of one) never share one, and one left by a
 * process that died (killed, crashed, the machine restarted) is recognised by its pid and removed.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processAlive } from './processAlive';

/** Only names of this exact shape are ever removed; a user's `notes.tmp` or `scan.2024.tmp` is not ours. */
const TEMP_NAME = /^(.+)\.(\d+)-[0-9a-f]{8}\.tmp$/;

export function tempPath(target: string): string {
  return `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/** The pid inside one of our temporary names; undefined for any other name. */
export function tempOwner(name: string): number | undefined {
  const match = TEMP_NAME.exec(name);
  return match ? Number(match[2]) : undefined;
}

/**
 * Removes the temporaries of dead processes for `target` alone (`<target>.<pid>-<nonce>.tmp` beside
 * it), so a writer starting over clears what a crashed write of the same file left; others' stay.
 */
export async function removeDeadTempsOf(target: string): Promise<void> {
  const dir = path.dirname(target);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return; // no folder yet: nothing left there
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (match?.[1] === path.basename(target) && !processAlive(Number(match[2])))
      await fs.promises.rm(path.join(dir, name), { recursive: true, force: true }); // links removed, not followed
  }
}

/**
 * Removes the temporaries of dead processes anywhere under `root` and returns their paths. A live
 * process's temporaries stay (it is still writing them), symbolic links are neither followed nor
 * removed, and no other name is touched.
 */
export async function removeDeadTemps(root: string): Promise<string[]> {
  const removed: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return; // a folder removed meanwhile, or one we may not read: nothing of ours to clean there
    }
    for (const entry of entries) {
      if (entry.isSymbolicLink()) continue;
      const full = path.join(dir, entry.name);
      const owner = tempOwner(entry.name);
      if (owner === undefined) {
        if (entry.isDirectory()) await visit(full);
      } else if (!processAlive(owner)) {
        await fs.promises.rm(full, { recursive: true, force: true });
        removed.push(full);
      }
    }
  };
  await visit(root);
  return removed;
}
