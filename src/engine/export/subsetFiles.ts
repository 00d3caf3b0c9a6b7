/**
 * The curated subset of a run as the files training code reads: `subset.txt` (one source file per
 * line), `subset.csv` (one row per selected sample with its provenance, difficulty, key patches and
 * why it is in the subset) and `datalist.json` (MONAI's datalist: `{"training": [{"image": ...}]}`).
 * Curation from the gallery is applied by the training stage's own `curated`, so the exported
 * subset is exactly the one `optidel train` trains on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatchFile } from '../../shared/artifacts';
import { ARTIFACTS, selectionFile } from '../../shared/artifacts';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { readKeyPatchesFile } from '../../shared/node/keyPatchesFile';
import { readCacheIndex } from '../data/cache';
import { curated, readSelection } from '../pipeline/runArtifacts';
import { csvText } from './csv';
import { readFloat32 } from './runArtifacts';

export const SUBSET_FILES = { list: 'subset.txt', csv: 'subset.csv', datalist: 'datalist.json' } as const;

export interface SubsetRow {
  sampleId: number;
  source: string;
  axis?: number;
  slice?: number;
  frame?: number;
  originalSize: [number, number];
  intensity: string;
  difficulty: number;
  /** 1-based position in the method's selection order; undefined for samples added by hand. */
  rank?: number;
  reason: string;
  /** The sample's key patches (boxes in cached-image pixels) and whether the selection chose each. */
  keyPatches: Array<{ id: number; box: [number, number, number, number]; difficulty?: number; selected: boolean }>;
}

export interface CuratedSubset {
  method: string;
  /** Side of the cached images the key-patch boxes refer to. */
  imageSize: number;
  rows: SubsetRow[];
  skipped: Array<{ path: string; reason: string }>;
}

/** The method's selection with the gallery's curation applied, one row per sample in selection order. */
export async function curatedSubset(
  runDir: string,
  method: string,
  warn: (message: string) => void,
): Promise<CuratedSubset> {
  const cache = await readCacheIndex(runDir);
  const selection = await readSelection(runDir, method, cache.samples.length);
  const selectionPath = path.join(runDir, selectionFile(method));
  const difficulty = await readFloat32(runDir, ARTIFACTS.difficulty, cache.samples.length, 'optidel score');
  const patchesFile = path.join(runDir, ARTIFACTS.keyPatches);
  const keyPatches = fs.existsSync(patchesFile)
    ? (await readKeyPatchesFile(runDir, ARTIFACTS.keyPatches, { warn })).patches
    : [];
  const { ids, patchIds } = curated(selection, keyPatches);
  const chosenPatches = new Set(patchIds);
  const patchesOf = new Map<number, KeyPatchFile['patches']>();
  for (const p of keyPatches) patchesOf.set(p.sampleId, [...(patchesOf.get(p.sampleId) ?? []), p]);
  const rankOf = new Map(selection.selected.map((id, i) => [id, i + 1]));
  const skipped: CuratedSubset['skipped'] = [];
  const rows: SubsetRow[] = [];
  for (const id of ids) {
    const sample = cache.samples[id];
    if (!sample) {
      skipped.push({
        path: selectionPath,
        reason: `sample ${id} is not in the pool (0..${cache.samples.length - 1}); left out`,
      });
      continue;
    }
    const patches = (patchesOf.get(id) ?? []).map((p) => ({
      id: p.id,
      box: p.box,
      difficulty: p.difficulty,
      selected: chosenPatches.has(p.id),
    }));
    const rank = rankOf.get(id);
    const chosen = patches.filter((p) => p.selected).length;
    const reason =
      rank === undefined
        ? 'added by hand in the gallery (manual.include)'
        : `selected by ${method}, rank ${rank} of ${selection.selected.length}` +
          (chosen ? `, for ${chosen} of its key patches` : '');
    const { source, axis, slice, frame, originalSize, intensity } = sample;
    rows.push({
      sampleId: id,
      source,
      axis,
      slice,
      frame,
      originalSize,
      intensity,
      difficulty: difficulty[id]!,
      rank,
      reason,
      keyPatches: patches,
    });
  }
  return { method, imageSize: cache.imageSize, rows, skipped };
}

const CSV_HEADER = [
  'sample_id',
  'source',
  'axis',
  'slice',
  'frame',
  'original_width',
  'original_height',
  'cache_size',
  'intensity',
  'difficulty',
  'method',
  'rank',
  'reason',
  'key_patches',
];

export function subsetCsv(subset: CuratedSubset): string {
  return csvText(
    CSV_HEADER,
    subset.rows.map((r) => [
      r.sampleId,
      r.source,
      r.axis,
      r.slice,
      r.frame,
      r.originalSize[0],
      r.originalSize[1],
      subset.imageSize,
      r.intensity,
      r.difficulty,
      subset.method,
      r.rank,
      r.reason,
      JSON.stringify(r.keyPatches),
    ]),
  );
}

/** MONAI's datalist (`load_decathlon_datalist`): absolute image paths, with the slice to take from volumes. */
export function subsetDatalist(subset: CuratedSubset, runDir: string): Record<string, unknown> {
  return {
    name: `OptiDEL subset (${subset.method}) of ${path.basename(runDir)}`,
    description:
      `${subset.rows.length} samples selected by ${subset.method}, with the gallery's curation applied; ` +
      `exported from ${runDir}`,
    numTraining: subset.rows.length,
    training: subset.rows.map((r) => ({
      image: r.source,
      sample_id: r.sampleId,
      axis: r.axis,
      slice: r.slice,
      frame: r.frame,
      difficulty: r.difficulty,
    })),
  };
}

/** Distinct source files in selection order; a path with a line break cannot be a line of a list and is reported. */
export function subsetFileList(subset: CuratedSubset): { text: string; unlisted: string[] } {
  const sources = [...new Set(subset.rows.map((r) => r.source))];
  const unlisted = sources.filter((s) => /[\r\n]/.test(s));
  return {
    text: sources
      .filter((s) => !unlisted.includes(s))
      .map((s) => `${s}\n`)
      .join(''),
    unlisted,
  };
}

export async function writeSubsetFiles(
  runDir: string,
  outDir: string,
  method: string,
  warn: (message: string) => void,
): Promise<{ subset: CuratedSubset; files: string[] }> {
  const subset = await curatedSubset(runDir, method, warn);
  const list = subsetFileList(subset);
  for (const source of list.unlisted) {
    subset.skipped.push({
      path: source,
      reason:
        `the path holds a line break, so ${SUBSET_FILES.list} cannot list it; ` +
        `it is in ${SUBSET_FILES.csv} and ${SUBSET_FILES.datalist}`,
    });
  }
  await fs.promises.mkdir(outDir, { recursive: true });
  const files = [SUBSET_FILES.list, SUBSET_FILES.csv, SUBSET_FILES.datalist].map((f) => path.join(outDir, f));
  const csv = subsetCsv(subset);
  await writeFileAtomic(files[0]!, list.text);
  await writeFileAtomic(files[1]!, csv);
  await writeJsonAtomic(files[2]!, subsetDatalist(subset, runDir));
  return { subset, files };
}

/** Bytes of the files an export wrote (a link counts as itself, not its target). */
export async function totalBytes(files: readonly string[]): Promise<number> {
  return (await Promise.all(files.map((f) => fs.promises.lstat(f)))).reduce((s, st) => s + st.size, 0);
}
