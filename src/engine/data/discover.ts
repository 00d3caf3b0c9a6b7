/**
 * Turns the config's pool entries (files, folders searched recursively, globs) into a sorted list
 * of image sources, classified by format. Entries that match nothing are reported, not fatal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isNiftiPath } from './formats/nifti';

export type SourceKind = 'raster' | 'nifti' | 'dicom';

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
  if (isNiftiPath(file)) return 'nifti';
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
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) out += '\\{';
      else {
        out += `(?:${glob.slice(i + 1, end).split(',').map(escapeRegExp).join('|')})`;
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

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, out);
    else if (e.isFile()) out.push(full);
  }
}

export async function discoverSources(entries: readonly string[], exclude: readonly string[] = []): Promise<Discovery> {
  const skipped: Discovery['skipped'] = [];
  const candidates = new Map<string, boolean>(); // path -> named explicitly
  for (const entry of entries) {
    if (isGlob(entry)) {
      const pattern = globToRegExp(toSlash(entry));
      const root = globRoot(entry);
      const found: string[] = [];
      await walk(root, found).catch(() => undefined);
      const matches = found.filter((f) => pattern.test(toSlash(f)));
      if (matches.length === 0) skipped.push({ path: entry, reason: 'the glob matches no file' });
      for (const f of matches) if (!candidates.has(f)) candidates.set(f, false);
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(entry);
    } catch (err) {
      skipped.push({ path: entry, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot read (${(err as Error).message})` });
      continue;
    }
    if (stat.isDirectory()) {
      const found: string[] = [];
      try {
        await walk(entry, found);
      } catch (err) {
        skipped.push({ path: entry, reason: `cannot list the folder (${(err as Error).message})` });
      }
      for (const f of found) if (!candidates.has(f)) candidates.set(f, false);
    } else candidates.set(entry, true);
  }
  const excluded = exclude.map((g) => globToRegExp(toSlash(g)));
  const files: SourceFile[] = [];
  for (const [file, explicit] of [...candidates].sort((a, b) => compareNatural(a[0], b[0]))) {
    if (excluded.some((re) => re.test(toSlash(file)))) continue;
    let kind = classify(file);
    if (!kind && path.extname(file) === '' && (await hasDicomMagic(file))) kind = 'dicom';
    if (!kind) {
      if (explicit) skipped.push({ path: file, reason: 'not a supported format (PNG, JPEG, TIFF, BMP, NIfTI .nii/.nii.gz, DICOM)' });
      continue;
    }
    try {
      const stat = await fs.promises.stat(file);
      files.push({ path: file, kind, size: stat.size, mtimeMs: stat.mtimeMs });
    } catch (err) {
      skipped.push({ path: file, reason: `cannot read (${(err as Error).message})` });
    }
  }
  return { files, skipped };
}

/** The folder above the first glob character: where the search starts. */
function globRoot(entry: string): string {
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
