/**
 * Reads the artifacts an export needs from a run folder (layout in src/shared/artifacts.ts), with
 * errors that name the file and the stage that writes it. A broken selection file is skipped and
 * reported; the export goes on with the others.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheIndex, SelectionFile, SynthIndex, ThumbnailAtlasIndex } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { readJsonFile } from '../../shared/node/atomicFile';
import { allSynth, type SynthFiles } from '../../shared/run/node/synthFiles';
import { parseThumbsIndex } from '../../shared/run/thumbsIndex';
import { selectionIdsProblem } from '../pipeline/runArtifacts';
import { readCacheIndexFile } from '../../shared/node/cacheIndexFile';
import { readFloat32File } from '../../shared/node/float32File';

export interface ExportInputs {
  cache: CacheIndex;
  difficulty: Float32Array;
  /** N x 2, row-major. */
  projection: Float32Array;
  selections: SelectionFile[];
  thumbs?: ThumbnailAtlasIndex;
  /** Each method's generated samples (synth/<method>/, or an older run's flat synth/), by method. */
  synth: Map<string, SynthIndex>;
  /** Files that were present but unreadable, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
}

export class MissingArtifactError extends Error {
  override name = 'MissingArtifactError';
}

export async function readExportInputs(runDir: string): Promise<ExportInputs> {
  const skipped: ExportInputs['skipped'] = [];
  if (!fs.existsSync(path.join(runDir, ARTIFACTS.cacheIndex)))
    throw new MissingArtifactError(
      `${path.join(runDir, ARTIFACTS.cacheIndex)} is missing: run "optidel ingest --run ${runDir}" first`,
    );
  const cache = await readCacheIndexFile(runDir);
  const n = cache.samples.length;
  const difficulty = await readFloat32(runDir, ARTIFACTS.difficulty, n, 'optidel score');
  const projection = await readFloat32(runDir, ARTIFACTS.projection, n * 2, 'optidel score');
  const selections = await readSelections(runDir, n, skipped);
  if (selections.length === 0) {
    throw new MissingArtifactError(
      `${path.join(runDir, ARTIFACTS.selectionDir)} holds no readable selection: run "optidel select --run ${runDir} --method optidel" first`,
    );
  }
  const thumbs = checkThumbs(
    await readOptionalJson(runDir, ARTIFACTS.thumbsIndex, skipped),
    path.join(runDir, ARTIFACTS.thumbsIndex),
    skipped,
  );
  const synth = await readSynth(runDir, skipped);
  return { cache, difficulty, projection, selections, thumbs, synth, skipped };
}

async function readSynth(runDir: string, skipped: ExportInputs['skipped']): Promise<Map<string, SynthIndex>> {
  const synth = new Map<string, SynthIndex>();
  let found: Map<string, SynthFiles>;
  try {
    found = await allSynth(runDir);
  } catch (err) {
    skipped.push({ file: path.join(runDir, ARTIFACTS.synthDir), reason: (err as Error).message });
    return synth;
  }
  for (const [method, files] of found) {
    const index = (await readOptionalJson(runDir, files.index, skipped)) as SynthIndex | undefined;
    if (index) synth.set(method, index);
  }
  return synth;
}

async function readOptionalJson(runDir: string, relative: string, skipped: ExportInputs['skipped']): Promise<unknown> {
  const file = path.join(runDir, relative);
  if (!fs.existsSync(file)) return undefined;
  try {
    return await readJsonFile(file);
  } catch (err) {
    skipped.push({ file, reason: (err as Error).message });
    return undefined;
  }
}

/** A little-endian Float32 artifact of exactly `length` values. */
export async function readFloat32(
  runDir: string,
  relative: string,
  length: number,
  producer: string,
): Promise<Float32Array> {
  const file = path.join(runDir, relative);
  if (!fs.existsSync(file))
    throw new MissingArtifactError(`${file} is missing: run "${producer} --run ${runDir}" first`);
  return readFloat32File(file, {
    length,
    fix: `the pool changed since it was written? Re-run "${producer} --run ${runDir}"`,
  });
}

/** Every readable selection/<method>.json; broken ones are skipped with the reason. */
async function readSelections(
  runDir: string,
  poolSize: number,
  skipped: ExportInputs['skipped'],
): Promise<SelectionFile[]> {
  const dir = path.join(runDir, ARTIFACTS.selectionDir);
  let names: string[];
  try {
    names = (await fs.promises.readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const selections: SelectionFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      selections.push(checkSelection(await readJsonFile(file), poolSize));
    } catch (err) {
      skipped.push({ file, reason: (err as Error).message });
    }
  }
  return selections;
}

/** The thumbnail index if it is usable (src/shared/run/thumbsIndex.ts); otherwise reported, and the export has no thumbnails. */
function checkThumbs(raw: unknown, file: string, skipped: ExportInputs['skipped']): ThumbnailAtlasIndex | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseThumbsIndex(raw, file);
  } catch (err) {
    skipped.push({ file, reason: `no thumbnails: ${(err as Error).message}` });
    return undefined;
  }
}

function checkSelection(raw: unknown, poolSize: number): SelectionFile {
  const s = raw as Partial<SelectionFile> | null;
  if (typeof s !== 'object' || s === null) throw new Error('not a JSON object');
  if (typeof s.method !== 'string' || s.method === '') throw new Error('"method" must be a non-empty string');
  if (typeof s.budget !== 'number' || !(s.budget > 0)) throw new Error('"budget" must be a positive number');
  if (!Array.isArray(s.selected)) throw new Error('"selected" must be an array of sample ids');
  const problem = selectionIdsProblem(s as SelectionFile, poolSize);
  if (problem) throw new Error(problem);
  return s as SelectionFile;
}
