/**
 * Turns the config's pool entries (files, folders searched recursively, globs) into a sorted list
 * of image sources, classified by format. Symbolic links to files and folders are followed (DVC
 * and git-annex data sets are made of them), each folder once per entry so a link cycle ends.
 * Nothing about one entry is fatal: an entry that matches nothing, an invalid glob, a folder that
 * cannot be listed or a broken link is reported in `skipped` and the other entries go on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VOLUME_EXTENSIONS, isVolumePath } from './formats/volumeFile';

/** `volume`: a NIfTI, Analyze, MetaImage or NRRD file (`formats/volumeFile.ts`). */
export type SourceKind = 'raster' | 'volume' | 'dicom';

export interface SourceFile {
  path: string;
  kind: SourceKind;
  size: number;
  mtimeMs: number;
}

export interface Discovery {
  files: SourceFile[];
  /** Entries or files that could not be used at all (missing, unreadable, unknown format when named explicitly). */
  skipped: Array<{ path: string; reason: string }>;
}

const RASTER = /\.(png|jpe?g|tiff?|bmp)$/i;
const DICOM = /\.(dcm|dicom|ima)$/i;

export function classify(file: string): SourceKind | undefined {
  if (isVolumePath(file)) return 'volume';
  if (RASTER.test(file)) return 'raster';
  if (DICOM.test(file)) return 'dicom';
  return undefined;
}

/** DICOM files often have no extension: recognise them by "DICM" at byte 128. */
async function hasDicomMagic(file: string): Promise<boolean> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, 'r');
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 128);
    return bytesRead === 4 && buf.toString('latin1') === 'DICM';
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

export function isGlob(entry: string): boolean {
  return /[*?[\]{}]/.test(entry);
}

/** A glob (`*`, `**`, `?`, `[...]`, `{a,b}`) as a regular expression over absolute paths with "/". */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
        i += glob[i + 2] === '/' ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) out += '\\{';
      else {
        out += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map(escapeRegExp)
          .join('|')})`;
        i = end;
      }
    } else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function toSlash(p: string): string {
  return p.split(path.sep).join('/');
}

/** What one pool entry's search has found, and the real paths of the folders it has searched. */
interface Search {
  found: string[];
  skipped: Discovery['skipped'];
  searched: Set<string>;
}

/** Lists `dir` recursively into `search.found`; a folder that cannot be listed is reported and its siblings go on. */
async function walk(dir: string, search: Search): Promise<void> {
  let entries: fs.Dirent[];
  try {
    const real = await fs.promises.realpath(dir);
    if (search.searched.has(real)) {
      search.skipped.push({
        path: dir,
        reason: `a link to ${real}, a folder already searched: not searched again (a link cycle?)`,
      });
      return;
    }
    search.searched.add(real);
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (err) {
    search.skipped.push({ path: dir, reason: unreadable(err, 'cannot list the folder') });
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    let target: fs.Stats | fs.Dirent = e;
    if (e.isSymbolicLink()) {
      try {
        target = await fs.promises.stat(full);
      } catch (err) {
        search.skipped.push({ path: full, reason: unreadable(err, 'a link that cannot be followed') });
        continue;
      }
    }
    if (target.isDirectory()) await walk(full, search);
    else if (target.isFile()) search.found.push(full);
  }
}

function unreadable(err: unknown, what: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${what}: it points to nothing (a broken link, or the file is gone)`;
  if (code === 'ELOOP') return `${what}: a loop of symbolic links`;
  return `${what} (${(err as Error).message})`;
}

/** The files a glob entry names; an invalid pattern or unreadable folder is reported for this entry alone. */
async function searchGlob(entry: string, skipped: Discovery['skipped']): Promise<string[]> {
  let pattern: RegExp;
  try {
    pattern = globToRegExp(toSlash(entry));
  } catch (err) {
    skipped.push({ path: entry, reason: `not a valid glob (${(err as Error).message})` });
    return [];
  }
  const root = globRoot(entry);
  if (!fs.existsSync(root)) {
    skipped.push({ path: entry, reason: `the glob matches no file (there is no folder ${root})` });
    return [];
  }
  const search: Search = { found: [], skipped, searched: new Set() };
  await walk(root, search);
  const matches = search.found.filter((f) => pattern.test(toSlash(f)));
  if (matches.length === 0) skipped.push({ path: entry, reason: 'the glob matches no file' });
  return matches;
}

/** The files a file or folder entry names (`explicit` for a file named itself). */
async function searchPath(
  entry: string,
  skipped: Discovery['skipped'],
): Promise<{ files: string[]; explicit: boolean }> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(entry);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    skipped.push({
      path: entry,
      reason: code === 'ENOENT' ? 'no such file or folder' : unreadable(err, 'cannot read'),
    });
    return { files: [], explicit: false };
  }
  if (!stat.isDirectory()) return { files: [entry], explicit: true };
  const search: Search = { found: [], skipped, searched: new Set() };
  await walk(entry, search);
  return { files: search.found, explicit: false };
}

/** The exclusion globs as patterns; an invalid one is reported and left out. */
function exclusions(exclude: readonly string[], skipped: Discovery['skipped']): RegExp[] {
  return exclude.flatMap((glob) => {
    try {
      return [globToRegExp(toSlash(glob))];
    } catch (err) {
      skipped.push({
        path: glob,
        reason: `not a valid exclusion glob, nothing is excluded by it (${(err as Error).message})`,
      });
      return [];
    }
  });
}

export async function discoverSources(entries: readonly string[], exclude: readonly string[] = []): Promise<Discovery> {
  const skipped: Discovery['skipped'] = [];
  const candidates = new Map<string, boolean>(); // path -> named explicitly
  for (const entry of entries) {
    const { files, explicit } = isGlob(entry)
      ? { files: await searchGlob(entry, skipped), explicit: false }
      : await searchPath(entry, skipped);
    for (const f of files) if (explicit || !candidates.has(f)) candidates.set(f, explicit);
  }
  const excluded = exclusions(exclude, skipped);
  const files: SourceFile[] = [];
  for (const [file, explicit] of [...candidates].sort((a, b) => compareNatural(a[0], b[0]))) {
    if (excluded.some((re) => re.test(toSlash(file)))) continue;
    let kind = classify(file);
    if (!kind && path.extname(file) === '' && (await hasDicomMagic(file))) kind = 'dicom';
    if (!kind) {
      if (explicit)
        skipped.push({
          path: file,
          reason: `not a supported format (PNG, JPEG, TIFF, BMP, ${VOLUME_EXTENSIONS}, DICOM)`,
        });
      continue;
    }
    try {
      const stat = await fs.promises.stat(file);
      files.push({ path: file, kind, size: stat.size, mtimeMs: stat.mtimeMs });
    } catch (err) {
      skipped.push({ path: file, reason: `cannot read (${(err as Error).message})` });
    }
  }
  // Overlapping entries meet the same broken link or cycle: report each once.
  const unique = [...new Map(skipped.map((s) => [`${s.path}\n${s.reason}`, s])).values()];
  return { files, skipped: unique };
}

/** The folder above the first glob character: where the search starts. */
/** The folder a pool entry's paths are relative to: the folder itself, a file's folder, or a glob's fixed leading folders. */
export function poolRoot(entry: string): string {
  if (isGlob(entry)) return globRoot(entry);
  try {
    return fs.statSync(entry).isDirectory() ? entry : path.dirname(entry);
  } catch {
    return path.dirname(entry);
  }
}

export function globRoot(entry: string): string {
  const parts = entry.split(/[\\/]/);
  const firstGlob = parts.findIndex(isGlob);
  const root = parts.slice(0, firstGlob).join(path.sep);
  return root || path.sep;
}

const NATURAL = new Intl.Collator('en', { numeric: true });

/** Sorts "slice2" before "slice10", so files come in the order a person expects. */
export function compareNatural(a: string, b: string): number {
  return NATURAL.compare(a, b);
}
