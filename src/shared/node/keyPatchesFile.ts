/**
 * A key-patch file on disk (patches/key-patches.json, a shard part's or a benchmark arm's), the one
 * place that knows its versions and decides which patches in it are usable (Node only; the engine,
 * export, the host and the scripts read it through here). Version 2, written since: the .json file
 * is a header (proposer, windows, the patch count, the body's SHA-256) and the patches are JSON
 * Lines in the .jsonl file beside it (the body), written a chunk at a time and read a chunk at a
 * time, so the patches of a 10M-image pool are never one string. Version 1, one JSON document with
 * a "patches" array, is still read: it caps the pool near 1.4M images (375 B of JSON an image),
 * which every run of that version is below.
 *
 * A rewrite cannot be atomic across two files, so the header is the commit point: the body in use
 * is set aside as key-patches.prev.jsonl, the new body written (to a temporary, then renamed), and
 * the header written last, naming the new body by its count and hash. A reader takes the body the
 * header names, the new one or the set-aside one, so a crash anywhere leaves the old or the new key
 * patches, never a mix. Neither file's name is read from the header: both follow from the header's
 * own name, and every one goes through the containment rule.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatch, KeyPatchFile } from '../artifacts';
import { keyPatchProblem, type KeyPatchPool, type KeyPatchProblem } from '../keyPatchCheck';
import { MAX_JSON_DEPTH, tooDeep } from '../jsonLimits';
import { resolveInRun } from '../run/node/contain';
import { readJsonFile, syncFolder, writeJsonAtomic } from './atomicFile';
import { JSON_LINES_CHUNK_BYTES, JsonLinesWriter, readLines, type TextLine } from './jsonLines';
import { removeDeadTempsOf } from './tempFiles';
import { SharedValues } from '../sharedValues';

export const KEY_PATCHES_VERSION = 2;

/** A version 1 file: the whole KeyPatchFile as one JSON document. */
export type KeyPatchFileV1 = KeyPatchFile & { version: 1 };

/**
 * The .json file of version 2: everything but the patches, which are in the .jsonl file beside it.
 * patchesSha256 is absent from headers written before 2026-12-04; those are matched by count alone.
 */
export type KeyPatchesHeader = Omit<KeyPatchFile, 'patches'> & {
  version: 2;
  patchCount: number;
  patchesSha256?: string;
};

export class KeyPatchesError extends Error {
  override name = 'KeyPatchesError';
}

const PROPOSE_AGAIN = 'run "optidel propose" again';

/** How many skipped patches are named one by one; the rest are counted. */
const NAMED_SKIPS = 10;

/** The file holding the patches of the key-patch file `header` (either absolute or run-relative). */
export function keyPatchLines(header: string): string {
  return `${header.replace(/\.json$/, '')}.jsonl`;
}

/** The body set aside while `header` is rewritten: read only while the header still names it. */
function previousLines(header: string): string {
  return `${header.replace(/\.json$/, '')}.prev.jsonl`;
}

/** A body's line count and SHA-256, as its header records them; `onLine` sees each line on the way. */
async function digestBody(
  file: string,
  chunkBytes: number | undefined,
  onLine: (line: TextLine) => void = () => undefined,
): Promise<{ lines: number; sha256: string }> {
  const hash = createHash('sha256');
  let lines = 0;
  for await (const line of readLines(file, chunkBytes, hash)) {
    lines = line.number;
    onLine(line);
  }
  return { lines, sha256: hash.digest('hex') };
}

function isHeaderOf(
  header: Pick<KeyPatchesHeader, 'patchCount' | 'patchesSha256'>,
  body: { lines: number; sha256: string },
) {
  return (
    body.lines === header.patchCount && (header.patchesSha256 === undefined || header.patchesSha256 === body.sha256)
  );
}

/** A key-patch file to write, its patches in memory or coming one at a time (propose scores them as it writes). */
export type StreamedKeyPatchFile = Omit<KeyPatchFile, 'patches'> & {
  patches: Iterable<KeyPatch> | AsyncIterable<KeyPatch>;
};

/**
 * Writes `content` as version 2 at `relative` inside `dir` (the header's path). Fields beside
 * KeyPatchFile's (a shard part's userOrder) go into the header. Temporaries a crashed write left
 * are removed first; a write that fails before its header (its patches' source failing too)
 * leaves the file as it was.
 */
export async function writeKeyPatchesFile<T extends StreamedKeyPatchFile>(
  dir: string,
  relative: string,
  content: T,
  chunkBytes = JSON_LINES_CHUNK_BYTES,
): Promise<void> {
  const { patches, ...rest } = content;
  // Checked from `dir` down, as readers do: a folder linked since the command checked its run
  // (the writes, the removal of the set-aside body) and a linked file (the reads) are refused.
  const [header, body, previous] = [relative, keyPatchLines(relative), previousLines(relative)].map((f) =>
    resolveInRun(dir, f, { fix: `remove ${f} and write it again` }),
  ) as [string, string, string];
  await Promise.all([removeDeadTempsOf(header), removeDeadTempsOf(body)]);
  const setAside = await setAsideCommitted(header, body, previous, chunkBytes);
  const lines = new JsonLinesWriter(body, chunkBytes);
  try {
    for await (const patch of patches) await lines.add(patch);
    await lines.finish();
  } catch (err) {
    await lines.abort();
    if (setAside) await fs.promises.rename(previous, body);
    throw err;
  }
  await writeJsonAtomic(header, {
    ...rest,
    version: KEY_PATCHES_VERSION,
    patchCount: lines.count,
    patchesSha256: lines.sha256,
  } satisfies Omit<KeyPatchesHeader, 'proposer'>);
  await fs.promises.rm(previous, { force: true });
  await syncFolder(path.dirname(header));
}

/**
 * Moves the body the header now names to `previous`, where readers find it until the new header is
 * written; returns whether it moved one. After a rewrite cut short, `previous` may already be that
 * body (the header does not name `body`), and stays; without a version 2 header no body is in use.
 */
async function setAsideCommitted(
  header: string,
  body: string,
  previous: string,
  chunkBytes: number | undefined,
): Promise<boolean> {
  let current: Partial<KeyPatchesHeader> | undefined;
  try {
    current = (await readJsonFile(header)) as Partial<KeyPatchesHeader>;
  } catch {
    current = undefined; // none, or unreadable: nothing a reader could take
  }
  if (current?.version !== KEY_PATCHES_VERSION) {
    await fs.promises.rm(previous, { force: true });
    return false;
  }
  if (!fs.existsSync(body)) return false;
  if (fs.existsSync(previous)) {
    // A header from before the hash is never written with `previous` beside it: that is a rewrite cut short.
    const named =
      current.patchesSha256 !== undefined &&
      isHeaderOf(current as KeyPatchesHeader, await digestBody(body, chunkBytes));
    if (!named) return false;
  }
  await fs.promises.rename(body, previous);
  return true;
}

export interface ReadKeyPatchesOptions {
  /** What the user should do about a damaged file, ending the error (default: propose again). */
  fix?: string;
  /** The pool the patches must belong to (sample ids, boxes inside its images); without it, their shape only. */
  pool?: KeyPatchPool;
  /**
   * Where skipped patches are reported (a stage's log, a view's problems): the first few each with
   * its file and line, then how many were skipped.
   */
  warn: (message: string) => void;
  chunkBytes?: number;
}

/** The usable patches of one body or array, and the unusable ones named (the first NAMED_SKIPS) and counted. */
class Sifted {
  readonly patches: KeyPatch[] = [];
  readonly named: string[] = [];
  private readonly shared = new SharedValues();
  bad = 0;
  total = 0;

  constructor(private readonly pool: KeyPatchPool | undefined) {}

  add(value: unknown, describe: (problem: KeyPatchProblem) => string): void {
    // Depth first: the problem's message stringifies the value's fields.
    const deep = tooDeep(value);
    const problem =
      deep !== undefined
        ? { key: '', why: `${deep}: nested more than ${MAX_JSON_DEPTH} levels deep` }
        : keyPatchProblem(value, this.pool);
    if (problem !== undefined) return this.skip(describe(problem));
    this.total++;
    const patch = value as KeyPatch;
    // Our windows repeat a few boxes over the whole pool: one frozen copy of each.
    patch.box = this.shared.numbers(patch.box);
    this.patches.push(patch);
  }

  skip(message: string): void {
    this.total++;
    this.bad++;
    if (this.named.length < NAMED_SKIPS) this.named.push(message);
  }

  /** Reports the skipped patches of `file`; a file none of whose patches is usable is refused. */
  report(file: string, fix: string, warn: (message: string) => void): void {
    if (this.bad === 0) return;
    if (this.patches.length === 0)
      throw new KeyPatchesError(`${file}: none of its ${this.total} key patches is usable (${this.named[0]}); ${fix}`);
    for (const message of this.named) warn(`${file}: ${message} (skipped); ${fix}`);
    warn(`${file}: ${this.bad} of ${this.total} key patches skipped as unusable, the others read; ${fix}`);
  }
}

function linePatch(line: TextLine, sifted: Sifted): void {
  const at = `line ${line.number}`;
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (err) {
    const what = line.terminated ? 'not valid JSON' : 'cut short (the file ends inside it)';
    sifted.skip(`${at}: ${what} (${(err as Error).message})`);
    return;
  }
  sifted.add(value, ({ key, why }) => `${at}: ${key ? `"${key}" ${why}` : why}`);
}

/**
 * The key-patch file at `relative` inside `dir`, its usable patches included, of either version.
 * Every file goes through the containment rule (a shared run's link is named, not read) and every
 * value is checked for depth before anything walks it; a missing header is ENOENT for callers that
 * treat a run without key patches. A patch that is damaged or not of the pool is skipped and
 * reported to `warn`; a file whose body is missing, another one than its header names, or without
 * a usable patch is refused.
 */
export async function readKeyPatchesFile<T extends KeyPatchFile = KeyPatchFile>(
  dir: string,
  relative: string,
  options: ReadKeyPatchesOptions,
): Promise<T> {
  const fix = options.fix ?? PROPOSE_AGAIN;
  const file = resolveInRun(dir, relative, { fix });
  const raw = (await readJsonFile(file)) as Partial<KeyPatchFileV1> | Partial<KeyPatchesHeader> | null;
  const fail = (where: string, why: string): never => {
    throw new KeyPatchesError(`${where}: ${why}; ${fix}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(file, 'not a JSON object');
  if (raw.version === 1) {
    const { version: _version, patches, ...v1 } = raw as Partial<KeyPatchFileV1>;
    if (!Array.isArray(patches)) return fail(file, '"patches" must be an array');
    const sifted = new Sifted(options.pool);
    patches.forEach((p, i) => sifted.add(p, ({ key, why }) => `"patches[${i}]${key ? `.${key}` : ''}" ${why}`));
    sifted.report(file, fix, options.warn);
    return { ...v1, patches: sifted.patches } as unknown as T;
  }
  if (raw.version !== KEY_PATCHES_VERSION)
    throw new KeyPatchesError(
      `${file}: key-patch file version ${JSON.stringify(raw.version)} is not one this OptiDEL reads (1 or ${KEY_PATCHES_VERSION}); update OptiDEL, or ${fix}`,
    );
  const { version: _version, patchCount, patchesSha256, ...rest } = raw as KeyPatchesHeader;
  if (!(Number.isInteger(patchCount) && patchCount >= 0)) fail(file, '"patchCount" must be a whole number');
  if (patchesSha256 !== undefined && !/^[0-9a-f]{64}$/.test(String(patchesSha256)))
    fail(file, '"patchesSha256" must be a SHA-256 in hex');
  const header = { patchCount, patchesSha256 };
  const body = resolveInRun(dir, keyPatchLines(relative), { fix });
  const previous = resolveInRun(dir, previousLines(relative), { fix });
  // A header without the hash has `previous` beside it only while its rewrite is cut short: it names that one.
  const order = patchesSha256 === undefined ? [previous, body] : [body, previous];
  let unnamed: { sifted: Sifted; lines: number } | undefined;
  for (const candidate of order) {
    if (!fs.existsSync(candidate)) continue;
    const sifted = new Sifted(options.pool);
    const digest = await digestBody(candidate, options.chunkBytes, (line) => linePatch(line, sifted));
    if (isHeaderOf(header, digest)) {
      if (candidate === previous)
        options.warn(`${body}: a rewrite of ${file} was cut short; the key patches from before it are read`);
      sifted.report(candidate, fix, options.warn);
      return { ...rest, patches: sifted.patches } as unknown as T;
    }
    if (candidate === body) unnamed = { sifted, lines: digest.lines };
  }
  if (!unnamed) return fail(file, `${path.basename(body)} beside it is missing`);
  if (unnamed.lines !== patchCount) fail(body, `holds ${unnamed.lines} key patches, ${file} says ${patchCount}`);
  // Its count is the header's and some lines are damaged: the body written, damaged in place since.
  if (unnamed.sifted.bad === 0)
    fail(body, `is not the body ${file} was written with (its SHA-256 differs): another write or an edit changed it`);
  unnamed.sifted.report(body, fix, options.warn);
  return { ...rest, patches: unnamed.sifted.patches } as unknown as T;
}
