/**
 * Parses thumbs/index.json (ThumbnailAtlasIndex) read back from a run folder: the shape is checked
 * and every atlas must be a plain file name, so a shared run folder cannot make a stage read or
 * delete `thumbs/<atlas>` anywhere else. Browser-safe.
 */
import type { ThumbnailAtlasIndex } from '../artifacts';
import { isPlainName, PLAIN_NAME_RULE } from './names';

export class RunArtifactError extends Error {
  override name = 'RunArtifactError';
}

/** `file` is the path shown in errors. */
export function parseThumbsIndex(raw: unknown, file: string): ThumbnailAtlasIndex {
  const fail = (why: string): never => {
    throw new RunArtifactError(`${file}: ${why}; ingest again to rebuild the thumbnails`);
  };
  const t = raw as Partial<ThumbnailAtlasIndex> | null;
  if (typeof t !== 'object' || t === null) return fail('not a JSON object');
  if (!(Number.isInteger(t.size) && t.size! > 0) || !(Number.isInteger(t.columns) && t.columns! > 0))
    fail('"size" and "columns" must be positive integers');
  if (!Array.isArray(t.atlases)) return fail('"atlases" must be a list of file names');
  for (const [i, name] of t.atlases.entries()) {
    if (!isPlainName(name))
      fail(`atlases[${i}] ${JSON.stringify(name)} is not a plain file name in thumbs/ (${PLAIN_NAME_RULE})`);
  }
  if (typeof t.positions !== 'object' || t.positions === null || Array.isArray(t.positions))
    fail('"positions" must be an object');
  return t as ThumbnailAtlasIndex;
}
