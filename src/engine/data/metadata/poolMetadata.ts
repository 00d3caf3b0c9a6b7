/**
 * curation/metadata.json, written at ingest: per source, the DICOM tags (dicomTags.ts), the header
 * fields of NIfTI, MetaImage and NRRD volumes and the user's CSV columns (userColumns.ts), for the
 * gallery's filters and `select --balance-by`. Reading the tags costs one header read per DICOM
 * series and volume file,
 * so the file is rewritten only when the cache or the CSV changed. A source whose header cannot be
 * read is named in `problems` and simply has no tags.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheIndex, MetadataFile } from '../../../shared/artifacts';
import { ARTIFACTS } from '../../../shared/artifacts';
import { readJsonFile, writeJsonAtomic } from '../../../shared/node/atomicFile';
import { resolveInRun } from '../../../shared/run/node/contain';
import type { Discovery } from '../discover';
import { seriesSource, sourcePath } from '../formats/dicomSeries';
import type { InputLimits } from '../formats/errors';
import { isMetaImagePath, readMetaImageHeaderFields } from '../formats/metaImage';
import { isNiftiPath, readNiftiHeaderFields } from '../formats/nifti';
import { isNrrdPath, readNrrdHeaderFields } from '../formats/nrrd';
import { DICOM_TAG_COLUMNS, readDicomTags } from './dicomTags';
import { readUserColumns, type UserColumns } from './userColumns';

/** The volume formats whose headers give fields, by how their files are named. */
const HEADER_FIELD_READERS: Array<[(file: string) => boolean, (file: string) => Promise<Record<string, string>>]> = [
  [isNiftiPath, readNiftiHeaderFields],
  [isMetaImagePath, readMetaImageHeaderFields],
  [isNrrdPath, readNrrdHeaderFields],
];

export interface MetadataPlan {
  index: CacheIndex;
  discovery: Discovery;
  limits: InputLimits;
  /** The config's folder and its `ingest.metadata` (a CSV path relative to it), when given. */
  configDir: string;
  csv?: string;
  /** The config's resolved pool entries: a CSV row's path is relative to the entry holding the file. */
  pool: readonly string[];
}

/** Writes curation/metadata.json unless it is current for this cache and CSV; returns what it holds. */
export async function writePoolMetadata(runDir: string, plan: MetadataPlan): Promise<MetadataFile> {
  const out = resolveInRun(runDir, ARTIFACTS.metadata);
  const inputs = await inputsHash(plan);
  const previous = (await readJsonFile(out).catch(() => undefined)) as (MetadataFile & { inputs?: string }) | undefined;
  if (previous?.version === 1 && previous.inputs === inputs) return previous;
  const problems: string[] = [];
  const sources = await headerFields(plan, problems);
  const user = plan.csv ? await readUserColumns(plan.configDir, plan.csv, plan.pool) : undefined;
  if (user) {
    problems.push(...user.problems);
    applyUserColumns(sources, user, plan.index);
  }
  const tagColumns = [...Object.keys(DICOM_TAG_COLUMNS), 'format', 'datatype', 'pixdim', 'descrip'];
  const present = new Set(Object.values(sources).flatMap((fields) => Object.keys(fields)));
  const columns = [...new Set([...tagColumns.filter((c) => present.has(c)), ...(user?.columns ?? [])])];
  const file: MetadataFile & { inputs: string } = {
    version: 1,
    columns,
    sources,
    ...(plan.csv ? { csv: plan.csv } : {}),
    problems,
    inputs,
    createdAt: new Date().toISOString(),
  };
  await writeJsonAtomic(out, file);
  return file;
}

/** The cache's content hash and the CSV's name, size and time: what the file is made from. */
async function inputsHash(plan: MetadataPlan): Promise<string> {
  const hash = createHash('sha256').update(`${plan.index.contentHash}\n${plan.csv ?? ''}`);
  if (plan.csv) {
    const stat = await fs.promises.stat(path.resolve(plan.configDir, plan.csv)).catch(() => undefined);
    hash.update(`\n${stat?.size}\t${stat?.mtimeMs}`);
  }
  return hash.digest('hex');
}

/** Tags of every DICOM series and volume file of the cache, by source. */
async function headerFields(plan: MetadataPlan, problems: string[]): Promise<MetadataFile['sources']> {
  const sources: MetadataFile['sources'] = {};
  const wanted = new Set(plan.index.samples.map((s) => s.source));
  const dicomByFolder = new Map<string, string[]>();
  for (const f of plan.discovery.files) {
    const reader = f.kind === 'volume' && wanted.has(f.path) && HEADER_FIELD_READERS.find(([is]) => is(f.path))?.[1];
    if (reader) {
      try {
        sources[f.path] = await reader(f.path);
      } catch (err) {
        problems.push(`${f.path}: header fields not read (${(err as Error).message})`);
      }
    } else if (f.kind === 'dicom') {
      const folder = path.dirname(f.path);
      dicomByFolder.set(folder, [...(dicomByFolder.get(folder) ?? []), f.path]);
    }
  }
  for (const [folder, files] of dicomByFolder) {
    // One file per series tells its tags; the files are read until every series of the folder is seen.
    const bySeries = new Map<string, Record<string, string>>();
    for (const file of files) {
      try {
        const tags = await readDicomTags(file, plan.limits);
        const uid = tags.SeriesInstanceUID ?? '';
        if (!bySeries.has(uid)) bySeries.set(uid, tags);
      } catch (err) {
        problems.push(`${file}: DICOM tags not read (${(err as Error).message})`);
      }
      if (wanted.has(folder) && bySeries.size === 1) break;
    }
    for (const [uid, tags] of bySeries) {
      const source = seriesSource(folder, uid, bySeries.size);
      if (wanted.has(source)) sources[source] = tags;
    }
  }
  return sources;
}

/** Each source takes the CSV row of its own path, else of the nearest folder above it that has a row. */
function applyUserColumns(sources: MetadataFile['sources'], user: UserColumns, index: CacheIndex): void {
  for (const source of new Set(index.samples.map((s) => s.source))) {
    let at = sourcePath(source);
    for (;;) {
      const row = user.rows.get(at);
      if (row) {
        sources[source] = { ...sources[source], ...row };
        break;
      }
      const up = path.dirname(at);
      if (up === at) break;
      at = up;
    }
  }
}
