/**
 * Reading what earlier stages left in the run folder, for selection and generation: the pool's
 * scores, key patches and sources, and selection files (with the gallery's hand curation applied).
 * Errors name the file and the stage that writes it.
 */
import { readFloat32File } from '../../shared/node/float32File';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatchFile, ScoresInfo, SelectionFile } from '../../shared/artifacts';
import { metadataColumns, parseMetadataFile, type MetadataColumn } from '../../shared/sampleMetadata';
import { ARTIFACTS, selectionFile } from '../../shared/artifacts';
import { readJsonFile } from '../../shared/node/atomicFile';
import { readKeyPatchesFile } from '../../shared/node/keyPatchesFile';
import type { SelectionInput } from '../selection/methods';
import { acquisitionOf } from '../data/acquisition';
import { readCacheValues } from '../data/cache';

export async function readF32(file: string, expected: number, writer: string): Promise<Float32Array> {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "${writer}" first`);
  return readFloat32File(file, { length: expected, fix: `run "${writer}" again` });
}

/**
 * The selection methods' input: embeddings and difficulty (score stage), key patches (propose
 * stage, when present; those not of this pool skipped and reported to `warn`), acquisitions (cache).
 */
export async function readSelectionInput(runDir: string, warn: (message: string) => void): Promise<SelectionInput> {
  const scoresFile = path.join(runDir, ARTIFACTS.scores);
  if (!fs.existsSync(scoresFile))
    throw new Error(`${scoresFile} is missing: run "optidel score --run ${runDir}" first`);
  const info = (await readJsonFile(scoresFile)) as ScoresInfo;
  // One acquisition (a volume with all its axes, a frame sequence, a user's group) is one source of
  // redundancy; nothing else of the samples' provenance is kept.
  const { values: sources, imageSize } = await readCacheValues(runDir, acquisitionOf);
  if (info.count !== sources.length)
    throw new Error(
      `${scoresFile} scores ${info.count} samples but the cache holds ${sources.length}: run "optidel score --run ${runDir}" again`,
    );
  const writer = `optidel score --run ${runDir}`;
  const embeddings = await readF32(path.join(runDir, ARTIFACTS.embeddings), info.count * info.embeddingDim, writer);
  const difficulty = await readF32(path.join(runDir, ARTIFACTS.difficulty), info.count, writer);
  const patchesFile = path.join(runDir, ARTIFACTS.keyPatches);
  const keyPatches = fs.existsSync(patchesFile)
    ? (
        await readKeyPatchesFile(runDir, ARTIFACTS.keyPatches, {
          fix: `run "optidel propose --run ${runDir}" again`,
          pool: { size: sources.length, imageSize },
          warn,
        })
      ).patches
    : undefined;
  return { embeddings, dim: info.embeddingDim, difficulty, sources, keyPatches };
}

/** The method's selection file, its sample ids (selected and hand-curated) checked against a pool of `poolSize`. */
export async function readSelection(runDir: string, method: string, poolSize: number): Promise<SelectionFile> {
  const file = path.join(runDir, selectionFile(method));
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: run "optidel select --run ${runDir} --method ${method}" first`);
  const selection = (await readJsonFile(file)) as SelectionFile;
  if (selection?.version !== 1 || !Array.isArray(selection.selected))
    throw new Error(`${file}: not a version 1 selection file; run "optidel select" again`);
  const problem = selectionIdsProblem(selection, poolSize);
  if (problem) throw new Error(`${file}: ${problem}; run "optidel select" again`);
  return selection;
}

/**
 * Why a selection's ids are not samples of a pool of `poolSize` (a shared or hand-edited file), or
 * undefined: `selected`, `manual.include` and `manual.exclude` must be lists of pool ids.
 */
export function selectionIdsProblem(
  selection: Pick<SelectionFile, 'selected' | 'manual'>,
  poolSize: number,
): string | undefined {
  const lists: Array<[string, unknown]> = [
    ['selected', selection.selected],
    ['manual.include', selection.manual?.include ?? []],
    ['manual.exclude', selection.manual?.exclude ?? []],
  ];
  for (const [key, ids] of lists) {
    if (!Array.isArray(ids)) return `"${key}" must be a list of sample ids`;
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= poolSize);
    if (bad !== undefined) return `"${key}" holds ${JSON.stringify(bad)}, not a pool sample id (0 to ${poolSize - 1})`;
  }
  return undefined;
}

/**
 * The samples a stage should use after the gallery's hand curation: selected minus `manual.exclude`
 * plus `manual.include`, and the selected key patches minus those of excluded samples, each once.
 */
export function curated(
  selection: Pick<SelectionFile, 'selected' | 'patches' | 'manual'>,
  keyPatches: KeyPatchFile['patches'] = [],
): { ids: number[]; patchIds: number[] } {
  const exclude = new Set(selection.manual?.exclude ?? []);
  const ids = [
    ...new Set([...selection.selected.filter((id) => !exclude.has(id)), ...(selection.manual?.include ?? [])]),
  ];
  const sampleOf = new Map(keyPatches.map((p) => [p.id, p.sampleId]));
  // Each patch once: a shared selection naming one patch 50,000 times would build a mosaic for each.
  const patchIds = [...new Set(selection.patches ?? [])].filter((id) => !exclude.has(sampleOf.get(id) ?? -1));
  return { ids, patchIds };
}

/** The method of the run's last selection (run.json's select summary), for stages run without --method. */
export function lastSelectedMethod(summary: Record<string, number | string> | undefined): string | undefined {
  return typeof summary?.method === 'string' ? summary.method : undefined;
}

/** The pool's metadata columns per sample (curation/metadata.json, written at ingest), or none before an ingest wrote it. */
export async function readMetadataColumns(runDir: string, sources: readonly string[]): Promise<MetadataColumn[]> {
  const file = path.join(runDir, ARTIFACTS.metadata);
  if (!fs.existsSync(file)) return [];
  let parsed;
  try {
    parsed = parseMetadataFile(await readJsonFile(file));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}; run "optidel ingest" again to rewrite it`);
  }
  return metadataColumns(parsed, sources);
}

/** The metadata column a selection is balanced by (select --balance-by); an unknown name lists the run's columns. */
export async function readBalanceColumn(runDir: string, name: string): Promise<MetadataColumn> {
  const columns = await readMetadataColumns(runDir, (await readCacheValues(runDir, (s) => s.source)).values);
  const column = columns.find((c) => c.name === name);
  if (!column)
    throw new Error(
      `select: --balance-by ${JSON.stringify(name)} is not a metadata column of ${runDir}; ${columns.length ? `its columns are ${columns.map((c) => c.name).join(', ')}` : `it has none (run "optidel ingest" to write ${ARTIFACTS.metadata})`}`,
    );
  return column;
}
