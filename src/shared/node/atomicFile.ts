/**
 * Writes that are all or nothing: the data goes to a temporary file beside the target, is flushed
 * to disk, and only then renamed over it, and the folder is flushed so the rename itself survives
 * a power cut. A crash or a full disk leaves the previous file intact, never a half-written one
 * that looks complete.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkJsonDepth, MAX_JSON_BYTES } from '../jsonLimits';
import { tempPath } from './tempFiles';

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const temp = tempPath(file);
  const handle = await fs.promises.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.promises.rename(temp, file);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  await syncFolder(path.dirname(file));
}

/**
 * Flushes a folder's entries (a rename into it) to disk. Where a folder cannot be opened or synced
 * (Windows: EISDIR; some file systems: EINVAL) the rename is as durable as that platform makes it.
 */
export async function syncFolder(dir: string): Promise<void> {
  const unsupported = (err: unknown) => ['EISDIR', 'EINVAL'].includes((err as NodeJS.ErrnoException).code ?? '');
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(dir, 'r');
  } catch (err) {
    if (unsupported(err)) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!unsupported(err)) throw err;
  } finally {
    await handle.close();
  }
}

export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** A JSON file's text, refused by its size first (MAX_JSON_BYTES); `fix` ends the error. */
export async function readJsonText(file: string, fix: string): Promise<string> {
  const size = (await fs.promises.stat(file)).size;
  if (size > MAX_JSON_BYTES)
    throw new Error(
      `${file} is ${size} bytes, more than any JSON file OptiDEL writes or reads (${MAX_JSON_BYTES / 1024 ** 2} MiB); ${fix}`,
    );
  return fs.promises.readFile(file, 'utf8');
}

/** Reads and parses a JSON file; the error names the file and, for bad JSON, what is wrong. */
export async function readJsonFile(file: string): Promise<unknown> {
  const text = await readJsonText(file, 'fix it by hand or delete it');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix it by hand or delete it`);
  }
  checkJsonDepth(value, file, 'no OptiDEL file is; fix it by hand or delete it');
  return value;
}
