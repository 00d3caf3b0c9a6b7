/**
 * A key-patch file on disk (patches/key-patches.json, a shard part's or a benchmark arm's), the one
 * place that knows its versions (Node only; the engine, export, the host and the scripts read it
 * through here). Version 2, written since: the .json file is a header (proposer, windows, the
 * patch count) and the patches are JSON Lines in the .jsonl file beside it, written a chunk at a
 * time and read a chunk at a time, so the patches of a 10M-image pool are never one string.
 * Version 1, one JSON document with a "patches" array, is still read: it caps the pool near 1.4M
 * images (375 B of JSON an image), which every run of that version is below.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatch, KeyPatchFile } from '../artifacts';
import { checkJsonDepth } from '../jsonLimits';
import { resolveInRun } from '../run/node/contain';
import { readJsonFile, writeJsonAtomic } from './atomicFile';
import { JSON_LINES_CHUNK_BYTES, JsonLinesWriter, readJsonLines } from './jsonLines';

export const KEY_PATCHES_VERSION = 2;

/** A version 1 file: the whole KeyPatchFile as one JSON document. */
export type KeyPatchFileV1 = KeyPatchFile & { version: 1 };

/** The .json file of version 2: everything but the patches, which are in the .jsonl file beside it. */
export type KeyPatchesHeader = Omit<KeyPatchFile, 'patches'> & { version: 2; patchCount: number };

export class KeyPatchesError extends Error {
  override name = 'KeyPatchesError';
}

const PROPOSE_AGAIN = 'run "optidel propose" again';

/** The file holding the patches of the key-patch file `header` (either absolute or run-relative). */
export function keyPatchLines(header: string): string {
  return `${header.replace(/\.json$/, '')}.jsonl`;
}

/**
 * Writes `content` as version 2 at `file` (the header's path): the patches line by line first,
 * then the header, so that a file whose header is there is complete. Fields beside KeyPatchFile's
 * (a shard part's userOrder) go into the header.
 */
export async function writeKeyPatchesFile<T extends KeyPatchFile>(
  file: string,
  content: T,
  chunkBytes = JSON_LINES_CHUNK_BYTES,
): Promise<void> {
  const { patches, ...rest } = content;
  const lines = new JsonLinesWriter(keyPatchLines(file), chunkBytes);
  try {
    for (const patch of patches) await lines.add(patch);
  } catch (err) {
    await lines.abort();
    throw err;
  }
  await lines.finish();
  await writeJsonAtomic(file, { ...rest, version: KEY_PATCHES_VERSION, patchCount: lines.count });
}

export interface ReadKeyPatchesOptions {
  /** What the user should do about a damaged file, ending the error (default: propose again). */
  fix?: string;
  chunkBytes?: number;
}

/**
 * The key-patch file at `relative` inside `dir`, patches included, of either version. Both files
 * go through the containment rule (a shared run's link is named, not read) and every value is
 * checked for depth before anything walks it; a missing header is ENOENT for callers that treat
 * a run without key patches. The patches themselves are checked to be objects, not their fields:
 * runArtifacts.ts's keyPatchesProblem does that for the selection.
 */
export async function readKeyPatchesFile<T extends KeyPatchFile = KeyPatchFile>(
  dir: string,
  relative: string,
  options: ReadKeyPatchesOptions = {},
): Promise<T> {
  const fix = options.fix ?? PROPOSE_AGAIN;
  const file = resolveInRun(dir, relative, { fix });
  const raw = (await readJsonFile(file)) as Partial<KeyPatchFileV1> | Partial<KeyPatchesHeader> | null;
  const fail = (where: string, why: string): never => {
    throw new KeyPatchesError(`${where}: ${why}; ${fix}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(file, 'not a JSON object');
  if (raw.version === 1) {
    if (!Array.isArray((raw as Partial<KeyPatchFileV1>).patches)) fail(file, '"patches" must be an array');
    const { version: _version, ...v1 } = raw as KeyPatchFileV1;
    return v1 as unknown as T;
  }
  if (raw.version !== KEY_PATCHES_VERSION)
    throw new KeyPatchesError(
      `${file}: key-patch file version ${JSON.stringify(raw.version)} is not one this OptiDEL reads (1 or ${KEY_PATCHES_VERSION}); update OptiDEL, or ${fix}`,
    );
  const { version: _version, patchCount, ...rest } = raw as KeyPatchesHeader;
  if (!(Number.isInteger(patchCount) && patchCount >= 0)) fail(file, '"patchCount" must be a whole number');
  const linesRelative = keyPatchLines(relative);
  const linesFile = resolveInRun(dir, linesRelative, { fix });
  if (!fs.existsSync(linesFile)) fail(file, `${path.basename(linesRelative)} beside it is missing`);
  const patches: KeyPatch[] = [];
  for await (const value of readJsonLines(linesFile, options.chunkBytes)) {
    const where = `${linesFile}: line ${patches.length + 1}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'not a key patch object');
    checkJsonDepth(value, where, fix);
    patches.push(value as KeyPatch);
  }
  if (patches.length !== patchCount) fail(linesFile, `holds ${patches.length} key patches, ${file} says ${patchCount}`);
  return { ...rest, patches } as unknown as T;
}
