/**
 * Rebuilding folders of a run (`cache/`, `thumbs/`) without losing the ones there: the new ones are
 * built in a staging folder beside them and swapped in only once complete, so a cancel, an error or
 * a full disk keeps the last good ones byte for byte and leaves no staging folder behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syncFolder } from '../../shared/node/atomicFile';
import { tempPath } from '../../shared/node/tempFiles';

/**
 * Runs `build(staging)`, which writes `staging/<name>` for each of `names`, then swaps those in for
 * `runDir/<name>` in the order given. The staging folder carries this process's pid in its name, so
 * if the process dies it is removed when a stage next starts.
 */
export async function rebuildBeside<T>(
  runDir: string,
  names: readonly string[],
  build: (staging: string) => Promise<T>,
): Promise<T> {
  const staging = tempPath(path.join(runDir, 'rebuild'));
  try {
    const result = await build(staging);
    await swapIn(runDir, staging, names);
    return result;
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}

/** Each old folder is renamed aside, the new one renamed in; if any rename fails, all are put back as they were. */
async function swapIn(runDir: string, staging: string, names: readonly string[]): Promise<void> {
  const asides: Array<{ live: string; aside: string }> = [];
  const placed: string[] = [];
  try {
    for (const name of names) {
      const live = path.join(runDir, name);
      const aside = tempPath(live);
      if (await renameIfExists(live, aside)) asides.push({ live, aside });
      await fs.promises.rename(path.join(staging, name), live);
      placed.push(name);
    }
  } catch (err) {
    for (const name of placed) await fs.promises.rename(path.join(runDir, name), path.join(staging, name));
    for (const { live, aside } of asides) await fs.promises.rename(aside, live);
    throw err;
  }
  await syncFolder(runDir);
  for (const { aside } of asides) await fs.promises.rm(aside, { recursive: true, force: true });
}

async function renameIfExists(from: string, to: string): Promise<boolean> {
  try {
    await fs.promises.rename(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
