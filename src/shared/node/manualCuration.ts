/**
 * Saves the gallery's hand curation into selection/<method>.json (`manual`), which the next stage
 * applies. Ids are checked against the pool so a stale view cannot write
 * ids that do not exist; the rest of the selection file is kept as it was.
 */
import type { SelectionFile } from '../artifacts';
import { selectionFile } from '../artifacts';
import { readJsonFile, writeJsonAtomic } from './atomicFile';
import { readCacheIndexFile } from './cacheIndexFile';
import { resolveInRun } from '../run/node/contain';

export async function saveManualCuration(
  runDir: string,
  method: string,
  include: readonly number[],
  exclude: readonly number[],
): Promise<SelectionFile> {
  // The view asks, the run folder may be a shared one: never written through a link.
  const file = resolveInRun(runDir, selectionFile(method), { mustExist: true });
  const selection = (await readJsonFile(file)) as SelectionFile;
  if (selection?.version !== 1 || !Array.isArray(selection.selected))
    throw new Error(`${file} is not a selection file (version 1 with "selected"); run the select stage again`);
  // Sets, not includes(): a shared curation file may name as many ids as the pool holds.
  const excluded = new Set(exclude);
  const both = include.filter((id) => excluded.has(id));
  if (both.length) throw new Error(`samples ${both.join(', ')} are both included and excluded; pick one`);
  const known = await knownIds(runDir);
  const unknown = [...include, ...exclude].filter((id) => !known(id));
  if (unknown.length)
    throw new Error(`unknown sample ids ${unknown.slice(0, 10).join(', ')} for ${file}; reload the gallery`);
  const next: SelectionFile = {
    ...selection,
    manual: { include: [...include].sort((a, b) => a - b), exclude: [...exclude].sort((a, b) => a - b) },
  };
  if (!include.length && !exclude.length) delete next.manual;
  await writeJsonAtomic(file, next);
  return next;
}

/** Pool ids only: the stages apply curation to pool samples (a generated sample is curated through its sources). */
async function knownIds(runDir: string): Promise<(id: number) => boolean> {
  const pool = (await readCacheIndexFile(runDir)).samples.length;
  return (id) => Number.isInteger(id) && id >= 0 && id < pool;
}
