/**
 * "Add to Pool" on a folder: the entry `optidel.json`'s `pool` gets (a path relative to the config
 * file, with `/`, as the schema says) and the config text with it added. Free of `vscode` and `fs`:
 * the command reads and writes the file, this decides what goes in it.
 */
import * as path from 'node:path';
import type { PathApi } from './pathPolicy';

export class PoolEntryError extends Error {
  override name = 'PoolEntryError';
}

/** Characters that make a pool entry a glob (docs/data.md): a folder named with them cannot be added as it is. */
const GLOB_CHARACTERS = /[*?[\]{}!]/;

/** The pool entry naming `folder` from the config file `configFile`. */
export function poolEntryFor(
  configFile: string,
  folder: string,
  p: PathApi & Pick<typeof path, 'dirname'> = path,
): string {
  const relative = p.relative(p.dirname(configFile), folder);
  const entry = relative === '' ? '.' : p.isAbsolute(relative) ? relative : relative.split(p.sep).join('/');
  if (GLOB_CHARACTERS.test(entry)) {
    throw new PoolEntryError(
      `${entry}: the folder's path holds glob characters (* ? [ ] { } !), which optidel.json reads as a pattern; add it to "pool" by hand`,
    );
  }
  return entry;
}

/** `text` (the config) with `entry` appended to its pool; `added` is false when the pool already names it. */
export function addPoolEntry(text: string, file: string, entry: string): { text: string; added: boolean } {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new PoolEntryError(
      `${file} is not valid JSON (${(err as Error).message}); fix it, then add the folder again`,
    );
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new PoolEntryError(`${file} is not a JSON object; it should look like { "pool": ["data"] }`);
  }
  const record = config as Record<string, unknown>;
  const pool = record.pool ?? [];
  if (!Array.isArray(pool)) throw new PoolEntryError(`${file}: "pool" must be a list of files, folders or globs`);
  const same = (e: unknown) => typeof e === 'string' && e.replace(/\/+$/, '').replace(/^\.\//, '') === entry;
  if (pool.some(same)) return { text, added: false };
  record.pool = [...pool, entry];
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  return { text: `${JSON.stringify(record, null, indent)}\n`, added: true };
}
