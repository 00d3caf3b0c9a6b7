/**
 * `optidel export --what scores`: every pool sample's scores for analysis elsewhere (pandas, numpy):
 * `scores.csv` (one row per pool sample: provenance, each stored difficulty, the 2D projection, the
 * curation scores of `optidel sample-scores` when they are current, the duplicate group of `optidel
 * duplicates`, and its status and place in every selection) and the arrays as NumPy `.npy` files,
 * described by `manifest.json`. File names are fixed here, never taken from the run's data, so nothing a run
 * folder holds can steer a write outside `--out`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuplicatesFile, ScoresInfo, SelectionFile } from '../../shared/artifacts';
import { ARTIFACTS, SAMPLE_SCORE_COLUMNS } from '../../shared/artifacts';
import { readSampleScoreColumns, type SampleScoreColumns } from '../../shared/run/node/sampleScoresFile';
import { DIFFICULTY_SCORES } from '../../shared/commands';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { curated } from '../pipeline/runArtifacts';
import { csvText } from './csv';
import { encodeNpy, type NpyArray } from './npy';
import { readExportInputs, readFloat32, type ExportInputs } from './runArtifacts';
import { totalBytes } from './subsetFiles';

export const SCORES_FILES = {
  csv: 'scores.csv',
  manifest: 'manifest.json',
  embeddings: 'embeddings.npy',
  projection: 'projection.npy',
  patchErrors: 'patch_errors.npy',
  selection: 'selection.npy',
  selectionOrder: 'selection_order.npy',
  sampleScores: 'sample_scores.npy',
  duplicateGroup: 'duplicate_group.npy',
  difficulty: (variant: string) => `difficulty_${variant}.npy`,
} as const;

/** A sample's status in one selection, as `selection.npy` codes it; the training set is 1 and 3. */
export const SELECTION_STATUS = ['', 'selected', 'removed by hand', 'added by hand'] as const;

/** The difficulty scores a run stores: today one, named by scores.json (`normalised` before the name was kept). */
interface DifficultyVariant {
  name: string;
  values: Float32Array;
}

/** N x M status codes (SELECTION_STATUS) of every pool sample in every selection, from the training stage's `curated`. */
export function selectionStatus(selections: readonly SelectionFile[], poolSize: number): Uint8Array {
  const codes = new Uint8Array(poolSize * selections.length);
  selections.forEach((s, m) => {
    const byMethod = new Set(s.selected);
    const trained = new Set(curated(s).ids);
    for (let id = 0; id < poolSize; id++) {
      const code = trained.has(id) ? (byMethod.has(id) ? 1 : 3) : byMethod.has(id) ? 2 : 0;
      codes[id * selections.length + m] = code;
    }
  });
  return codes;
}

/** N x M: each sample's place in each method's pick order (`selected`, 0 first), -1 where the method did not pick it. */
export function selectionOrder(selections: readonly SelectionFile[], poolSize: number): Int32Array {
  const order = new Int32Array(poolSize * selections.length).fill(-1);
  selections.forEach((s, m) => s.selected.forEach((id, k) => (order[id * selections.length + m] = k)));
  return order;
}

/** N: each sample's duplicate group (the index in curation/duplicates.json), -1 where it is in none. */
export function duplicateGroupOf(file: DuplicatesFile, poolSize: number, where: string): Int32Array {
  if (!Array.isArray(file?.groups))
    throw new Error(`${where}: "groups" must be an array; run "optidel duplicates" again`);
  const group = new Int32Array(poolSize).fill(-1);
  file.groups.forEach((g, k) => {
    for (const id of Array.isArray(g?.members) ? g.members : []) {
      if (!Number.isInteger(id) || id < 0 || id >= poolSize)
        throw new Error(
          `${where}: group ${k} names sample ${id}, not in the pool of ${poolSize}; run "optidel duplicates" again`,
        );
      group[id] = k;
    }
  });
  return group;
}

/** The curation scores when current; a stale or broken file is reported in `skipped` and left out. */
async function optionalCurationScores(runDir: string, n: number, skipped: ScoresExport['skipped']) {
  let scores: SampleScoreColumns | undefined;
  let groups: Int32Array | undefined;
  const scoresFile = path.join(runDir, ARTIFACTS.sampleScores);
  if (fs.existsSync(scoresFile)) {
    try {
      scores = await readSampleScoreColumns(runDir, n);
    } catch (err) {
      skipped.push({ path: scoresFile, reason: (err as Error).message });
    }
  }
  const duplicatesFile = path.join(runDir, ARTIFACTS.duplicates);
  if (fs.existsSync(duplicatesFile)) {
    try {
      groups = duplicateGroupOf((await readJsonFile(duplicatesFile)) as DuplicatesFile, n, duplicatesFile);
    } catch (err) {
      skipped.push({ path: duplicatesFile, reason: (err as Error).message });
    }
  }
  return { scores, groups };
}

export interface ScoresExport {
  files: string[];
  bytes: number;
  samples: number;
  methods: string[];
  skipped: Array<{ path: string; reason: string }>;
}

export async function writeScoresFiles(runDir: string, outDir: string): Promise<ScoresExport> {
  const inputs = await readExportInputs(runDir);
  const n = inputs.cache.samples.length;
  const info = (await readJsonFile(path.join(runDir, ARTIFACTS.scores))) as ScoresInfo;
  if (info.count !== n)
    throw new Error(
      `${path.join(runDir, ARTIFACTS.scores)} scores ${info.count} samples but the pool has ${n}: re-run "optidel score --run ${runDir}"`,
    );
  const embeddings = await readFloat32(runDir, ARTIFACTS.embeddings, n * info.embeddingDim, 'optidel score');
  const patches = info.patchesPerSide ** 2;
  const patchErrors = await readFloat32(runDir, ARTIFACTS.patchErrors, n * patches, 'optidel score');
  const kind = info.difficulty ?? 'normalised';
  // The name becomes part of a file name: only the scores the engine knows.
  if (!DIFFICULTY_SCORES.includes(kind))
    throw new Error(
      `${path.join(runDir, ARTIFACTS.scores)}: "difficulty" is ${JSON.stringify(kind)}, not one of ${DIFFICULTY_SCORES.join(', ')}; re-run "optidel score --run ${runDir}"`,
    );
  const variants: DifficultyVariant[] = [{ name: kind, values: inputs.difficulty }];
  const methods = inputs.selections.map((s) => s.method);
  const status = selectionStatus(inputs.selections, n);
  const order = selectionOrder(inputs.selections, n);
  const skipped = inputs.skipped.map((s) => ({ path: s.file, reason: s.reason }));
  const curation = await optionalCurationScores(runDir, n, skipped);
  const { scores, groups } = curation;

  const arrays: Array<{ file: string; values: NpyArray; shape: number[]; meaning: string }> = [
    ...variants.map((v) => ({
      file: SCORES_FILES.difficulty(v.name),
      values: v.values,
      shape: [n],
      meaning: `difficulty (${v.name}): mean masked reconstruction error over the score stage's masks`,
    })),
    {
      file: SCORES_FILES.embeddings,
      values: embeddings,
      shape: [n, info.embeddingDim],
      meaning: "mean of the encoder's tokens per sample (model " + info.model + ')',
    },
    { file: SCORES_FILES.projection, values: inputs.projection, shape: [n, 2], meaning: 'PCA of the embeddings' },
    {
      file: SCORES_FILES.patchErrors,
      values: patchErrors,
      shape: [n, patches],
      meaning: `per-patch errors, patches in raster order (${info.patchesPerSide} per side)`,
    },
    {
      file: SCORES_FILES.selection,
      values: status,
      shape: [n, methods.length],
      meaning: `status per method (columns in "methods" order): ${SELECTION_STATUS.map((s, i) => `${i} ${s || 'not selected'}`).join(', ')}`,
    },
    {
      file: SCORES_FILES.selectionOrder,
      values: order,
      shape: [n, methods.length],
      meaning: 'place in each method\'s pick order (columns in "methods" order), 0 first; -1 not picked by the method',
    },
    ...(scores
      ? [
          {
            file: SCORES_FILES.sampleScores,
            values: interleaved(scores, n),
            shape: [n, SAMPLE_SCORE_COLUMNS.length],
            meaning: `optidel sample-scores, columns ${SAMPLE_SCORE_COLUMNS.join(', ')} (cluster: k-means cluster of ${scores.clusters})`,
          },
        ]
      : []),
    ...(groups
      ? [
          {
            file: SCORES_FILES.duplicateGroup,
            values: groups,
            shape: [n],
            meaning: 'duplicate group (index in curation/duplicates.json, optidel duplicates); -1 in none',
          },
        ]
      : []),
  ];
  await fs.promises.mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const a of arrays) {
    const file = path.join(outDir, a.file);
    await writeFileAtomic(file, encodeNpy(a.values, a.shape));
    files.push(file);
  }
  const csvFile = path.join(outDir, SCORES_FILES.csv);
  await writeFileAtomic(csvFile, scoresCsv(inputs, variants, methods, status, order, curation));
  const manifestFile = path.join(outDir, SCORES_FILES.manifest);
  await writeJsonAtomic(manifestFile, {
    version: 1,
    run: runDir,
    poolSize: n,
    methods,
    // The k-means clusters of optidel sample-scores, when its scores are current.
    clusters: scores?.clusters ?? null,
    arrays: Object.fromEntries(arrays.map((a) => [a.file, { shape: a.shape, meaning: a.meaning }])),
  });
  files.unshift(csvFile, manifestFile);
  const bytes = await totalBytes(files);
  return { files, bytes, samples: n, methods, skipped };
}

function interleaved(scores: SampleScoreColumns, n: number): Float32Array {
  const width = SAMPLE_SCORE_COLUMNS.length;
  const out = new Float32Array(n * width);
  SAMPLE_SCORE_COLUMNS.forEach((c, j) => scores.values[c].forEach((v, i) => (out[i * width + j] = v)));
  return out;
}

/** CSV column of each sample-score column (snake case, as the other columns). */
const SCORE_HEADERS = {
  uniqueness: 'uniqueness',
  representativeness: 'representativeness',
  cluster: 'cluster',
  hardestPatch: 'hardest_patch',
} as const;

function scoresCsv(
  inputs: ExportInputs,
  variants: readonly DifficultyVariant[],
  methods: readonly string[],
  status: Uint8Array,
  order: Int32Array,
  { scores, groups }: { scores?: SampleScoreColumns; groups?: Int32Array },
): string {
  // A column with nothing behind it stays empty rather than absent, so the header is the same for every run.
  const place = (v: number) => (v >= 0 ? v : undefined);
  const header = [
    'sample_id',
    'source',
    'axis',
    'slice',
    'frame',
    ...variants.map((v) => `difficulty_${v.name}`),
    'projection_x',
    'projection_y',
    ...methods.map((m) => `selection_${m}`),
    ...SAMPLE_SCORE_COLUMNS.map((c) => SCORE_HEADERS[c]),
    'duplicate_group',
    ...methods.map((m) => `order_${m}`),
  ];
  const rows = inputs.cache.samples.map((s, id) => [
    id,
    s.source,
    s.axis,
    s.slice,
    s.frame,
    ...variants.map((v) => v.values[id]),
    inputs.projection[2 * id],
    inputs.projection[2 * id + 1],
    ...methods.map((_, m) => SELECTION_STATUS[status[id * methods.length + m]!]),
    ...SAMPLE_SCORE_COLUMNS.map((c) => scores?.values[c][id]),
    groups ? place(groups[id]!) : undefined,
    ...methods.map((_, m) => place(order[id * methods.length + m]!)),
  ]);
  return csvText(header, rows);
}
