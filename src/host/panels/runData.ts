/**
 * Reads what a run view shows from a run folder (layout: src/shared/artifacts.ts). A missing
 * artifact (its stage has not run yet) is simply absent; a corrupt one is skipped and named in
 * `problems` with the reason, and everything else still loads. No vscode import: `toUrl` turns a
 * run-relative path into something the webview can load, so this is unit-tested on fixtures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  BenchReport,
  DuplicateGroup,
  DuplicatesFile,
  PredictionIndex,
  ScoresInfo,
  SelectionFile,
  SynthIndex,
} from '../../shared/artifacts';
import { ARTIFACTS, predictionIndexFile } from '../../shared/artifacts';
import { readSampleScoreColumns } from '../../shared/run/node/sampleScoresFile';
import { metadataColumns, parseMetadataFile } from '../../shared/sampleMetadata';
import type { StageStatus } from '../../shared/protocol';
import { checkJsonDepth } from '../../shared/jsonLimits';
import { readJsonText } from '../../shared/node/atomicFile';
import { parseMetricsFile, type MetricSeries } from '../../shared/metrics';
import { resolveInRun } from '../../shared/run/node/contain';
import { lastSynthIndex } from '../../shared/run/node/synthFiles';
import { readCacheIndexFile } from '../../shared/node/cacheIndexFile';
import { readKeyPatchesFile } from '../../shared/node/keyPatchesFile';
import { readFloat32File } from '../../shared/node/float32File';
import { parseThumbsIndex } from '../../shared/run/thumbsIndex';
import { interned } from '../../shared/intern';
import { parseRunRecord } from '../../shared/runRecord';
import type { PredictionsView, RunViewData, SampleScoresView, ThumbsInfo, ViewKind } from '../../shared/viewMessages';

/** Which artifacts each view reads; the rest are not sent. */
const NEEDS: Record<
  ViewKind,
  ReadonlyArray<
    | 'projection'
    | 'difficulty'
    | 'keyPatches'
    | 'selections'
    | 'synth'
    | 'thumbs'
    | 'bench'
    | 'metrics'
    | 'duplicates'
    | 'sampleScores'
    | 'metadata'
  >
> = {
  embeddingMap: [
    'projection',
    'difficulty',
    'selections',
    'thumbs',
    'keyPatches',
    'duplicates',
    'sampleScores',
    'metadata',
  ],
  histogram: ['difficulty', 'keyPatches', 'selections'],
  gallery: ['difficulty', 'keyPatches', 'selections', 'synth', 'thumbs', 'duplicates', 'sampleScores', 'metadata'],
  segmentation: ['bench'],
  curves: ['metrics'],
  // The sample itself comes from the engine (optidel sample); the view needs only the pool's provenance.
  sample: [],
};

/** Artifacts whose change should refresh a view of this kind (for the file watcher). */
export function watchedArtifacts(kind: ViewKind): string[] {
  const files: Record<string, string[]> = {
    projection: [ARTIFACTS.projection, ARTIFACTS.umap],
    difficulty: [ARTIFACTS.difficulty],
    keyPatches: [ARTIFACTS.keyPatches],
    selections: [`${ARTIFACTS.selectionDir}/*.json`],
    synth: [`${ARTIFACTS.synthDir}/*/index.json`, ARTIFACTS.flatSynthIndex],
    thumbs: [ARTIFACTS.thumbsIndex],
    bench: [ARTIFACTS.benchReport, `${ARTIFACTS.predictionsDir}/*/index.json`],
    metrics: [`${ARTIFACTS.metricsDir}/*.jsonl`],
    duplicates: [ARTIFACTS.duplicates],
    sampleScores: [ARTIFACTS.sampleScores, ARTIFACTS.embeddings],
    metadata: [ARTIFACTS.metadata],
  };
  return [ARTIFACTS.run, ARTIFACTS.cacheIndex, ...NEEDS[kind].flatMap((need) => files[need]!)];
}

class Problems {
  readonly list: string[] = [];
  async try<T>(file: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') this.list.push(`${file}: ${e.message.replace(/^.*?: /, '')}`);
      return undefined;
    }
  }
}

/** What a view says about a run file it cannot show. */
const NOT_SHOWN = 'not shown; write it again with the stage that makes it';

/** Every read goes through the containment rule: a shared run's link out is reported, never followed. */
async function readJson(runDir: string, file: string): Promise<unknown> {
  const text = await readJsonText(resolveInRun(runDir, file), NOT_SHOWN);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  // Before the view's postMessage walks it: too deep, it would overflow the stack there instead.
  checkJsonDepth(value, file, NOT_SHOWN);
  return value;
}

/** A Float32 file of exactly `count` x `width` values. */
async function readF32(runDir: string, file: string, count: number, width: number): Promise<Float32Array> {
  return readFloat32File(resolveInRun(runDir, file), {
    length: count * width,
    fix: `the run has ${count} samples x ${width}; re-run the stage that writes it`,
  });
}

function expectArray(value: unknown, key: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`"${key}" must be an array`);
  return value;
}

export async function loadRunViewData(
  runDir: string,
  kind: ViewKind,
  toUrl: (relative: string) => string,
): Promise<RunViewData> {
  const problems = new Problems();
  const needs = new Set(NEEDS[kind]);
  // The webview loads a URL itself: VS Code keeps it inside the run folder by path but reads through
  // a link there, so each image sent must be the run's own file (a link or `..` fails its artifact).
  const urlInRun = (relative: string): string => {
    resolveInRun(runDir, relative);
    return toUrl(relative);
  };
  const record = await problems.try(ARTIFACTS.run, async () =>
    parseRunRecord(await readJson(runDir, ARTIFACTS.run), ARTIFACTS.run),
  );
  const stages: Record<string, StageStatus> = {};
  for (const [name, stage] of Object.entries(record?.stages ?? {})) if (stage) stages[name] = stage.status;

  const index = await problems.try(ARTIFACTS.cacheIndex, async () => {
    const raw = await readCacheIndexFile(runDir);
    expectArray(raw?.samples, 'samples');
    return raw;
  });
  const n = index?.samples.length ?? 0;
  const samples = index?.samples ?? [];
  const sources = interned(samples.map((sample) => sample.source));
  const acquisitions = interned(samples.map((sample) => sample.acquisition ?? sample.source));
  const sliceOf = Int32Array.from(samples, (sample) => sample.slice ?? -1);

  const data: RunViewData = {
    runName: path.basename(runDir),
    runDir,
    samples: n,
    imageSize: index?.imageSize ?? 0,
    sources: sources.names,
    sourceOf: index ? sources.indexOf : undefined,
    ...(acquisitions.names.length !== sources.names.length
      ? { acquisitions: acquisitions.names, acquisitionOf: acquisitions.indexOf }
      : {}),
    sliceOf: index ? sliceOf : undefined,
    selections: [],
    stages,
    problems: problems.list,
  };
  if (needs.has('projection') && n)
    data.projection = await problems.try(ARTIFACTS.projection, () => readF32(runDir, ARTIFACTS.projection, n, 2));
  if (needs.has('projection') && n)
    data.umap = await problems.try(ARTIFACTS.umap, () => readF32(runDir, ARTIFACTS.umap, n, 2));
  if (needs.has('difficulty') && n)
    data.difficulty = await problems.try(ARTIFACTS.difficulty, () => readF32(runDir, ARTIFACTS.difficulty, n, 1));
  if (needs.has('difficulty') && n)
    data.difficultyScore = await problems.try(
      ARTIFACTS.scores,
      async () => ((await readJson(runDir, ARTIFACTS.scores)) as ScoresInfo)?.difficulty ?? 'normalised',
    );
  // Computed only on request (optidel sample-scores): a run without them has nothing to report.
  if (
    needs.has('sampleScores') &&
    n &&
    fs.lstatSync(path.join(runDir, ARTIFACTS.sampleScores), { throwIfNoEntry: false })
  )
    data.sampleScores = await problems.try(ARTIFACTS.sampleScores, () => readSampleScores(runDir, n));
  if (needs.has('metadata') && index)
    data.metadata = await problems.try(ARTIFACTS.metadata, async () =>
      metadataColumns(
        parseMetadataFile(await readJson(runDir, ARTIFACTS.metadata)),
        samples.map((s) => s.source),
      ),
    );
  if (needs.has('keyPatches')) {
    // Through the containment rule and the depth check, as readJson: each patch line goes to postMessage.
    data.keyPatches = await problems.try(
      ARTIFACTS.keyPatches,
      async () =>
        (
          await readKeyPatchesFile(runDir, ARTIFACTS.keyPatches, {
            fix: NOT_SHOWN,
            warn: (message) => problems.list.push(message),
          })
        ).patches,
    );
  }
  if (needs.has('selections')) data.selections = await readSelections(runDir, problems);
  if (needs.has('synth')) {
    // No view is about one method (the gallery switches methods inside the webview), so every view
    // shows the samples synthesized last: those the generated thumbnails are of (synthThumbs.ts).
    const last = await problems.try(ARTIFACTS.synthDir, async () => lastSynthIndex(runDir));
    if (last)
      data.synth = await problems.try(
        last,
        async () =>
          expectArray(((await readJson(runDir, last)) as SynthIndex)?.samples, 'samples') as SynthIndex['samples'],
      );
  }
  if (needs.has('thumbs'))
    data.thumbs = await problems.try(ARTIFACTS.thumbsIndex, async () =>
      thumbsInfo(await readJson(runDir, ARTIFACTS.thumbsIndex), urlInRun),
    );
  if (needs.has('duplicates'))
    data.duplicates = await problems.try(
      ARTIFACTS.duplicates,
      async () =>
        expectArray(
          ((await readJson(runDir, ARTIFACTS.duplicates)) as DuplicatesFile)?.groups,
          'groups',
        ) as DuplicateGroup[],
    );
  if (needs.has('metrics')) data.metrics = await readMetrics(runDir, problems);
  if (needs.has('bench')) {
    data.bench = await problems.try(ARTIFACTS.benchReport, async () => {
      const report = (await readJson(runDir, ARTIFACTS.benchReport)) as BenchReport;
      expectArray(report?.cells, 'cells');
      return report;
    });
    data.predictions = await readPredictions(runDir, problems, urlInRun);
  }
  return data;
}

/** The sample scores, refused as stale when the embeddings were rewritten after them (optidel embeddings, score). */
async function readSampleScores(runDir: string, n: number): Promise<SampleScoresView> {
  const { values, clusters } = await readSampleScoreColumns(runDir, n);
  return {
    uniqueness: values.uniqueness,
    representativeness: values.representativeness,
    cluster: Uint16Array.from(values.cluster),
    hardestPatch: values.hardestPatch,
    clusters,
  };
}

function thumbsInfo(raw: unknown, toUrl: (relative: string) => string): ThumbsInfo {
  const index = parseThumbsIndex(raw, ARTIFACTS.thumbsIndex);
  return {
    size: index.size,
    columns: index.columns,
    positions: index.positions,
    atlasUrls: index.atlases.map((file) => toUrl(`${ARTIFACTS.thumbsDir}/${file}`)),
  };
}

/** The names in a run folder of the layout; a link in its place is reported, and what it leads to is not listed. */
async function listFolder(runDir: string, folder: string, problems: Problems): Promise<string[]> {
  return (await problems.try(folder, () => fs.promises.readdir(resolveInRun(runDir, folder)))) ?? [];
}

/** A training logs a few hundred lines (pretrain() logs 200 points): a file far larger is not ours to pull into the host. */
const MAX_METRICS_BYTES = 16 * 1024 * 1024;

/** Every metrics file of the run; a line that is not a metric is counted and named once per file. */
async function readMetrics(runDir: string, problems: Problems): Promise<MetricSeries[]> {
  const names = await listFolder(runDir, ARTIFACTS.metricsDir, problems);
  const out: MetricSeries[] = [];
  for (const name of names.filter((f) => f.endsWith('.jsonl')).sort()) {
    const file = `${ARTIFACTS.metricsDir}/${name}`;
    const parsed = await problems.try(file, async () => {
      const full = resolveInRun(runDir, file);
      const bytes = (await fs.promises.stat(full)).size;
      if (bytes > MAX_METRICS_BYTES)
        throw new Error(`${bytes} bytes, above the ${MAX_METRICS_BYTES} a view reads; not shown`);
      return parseMetricsFile(name.slice(0, -'.jsonl'.length), await fs.promises.readFile(full, 'utf8'));
    });
    if (!parsed) continue;
    if (parsed.badLines) problems.list.push(`${file}: ${parsed.badLines} line(s) are not metrics and were skipped`);
    out.push(...parsed.series);
  }
  return out;
}

async function readSelections(runDir: string, problems: Problems): Promise<SelectionFile[]> {
  const names = await listFolder(runDir, ARTIFACTS.selectionDir, problems);
  const out: SelectionFile[] = [];
  for (const name of names.filter((f) => f.endsWith('.json')).sort()) {
    const file = `${ARTIFACTS.selectionDir}/${name}`;
    const selection = await problems.try(file, async () => {
      const raw = (await readJson(runDir, file)) as SelectionFile;
      if (raw?.version !== 1 || typeof raw.method !== 'string')
        throw new Error('not a selection file (needs version 1 and "method")');
      expectArray(raw.selected, 'selected');
      return raw;
    });
    if (selection) out.push(selection);
  }
  return out;
}

async function readPredictions(
  runDir: string,
  problems: Problems,
  toUrl: (relative: string) => string,
): Promise<PredictionsView[]> {
  const datasets = await listFolder(runDir, ARTIFACTS.predictionsDir, problems);
  const out: PredictionsView[] = [];
  for (const dataset of datasets.sort()) {
    const file = predictionIndexFile(dataset);
    const view = await problems.try(file, async () => {
      const index = (await readJson(runDir, file)) as PredictionIndex;
      const folder = path.posix.dirname(file);
      const samples = expectArray(index?.samples, 'samples') as PredictionIndex['samples'];
      const runs = expectArray(index.runs, 'runs') as PredictionIndex['runs'];
      for (const run of runs) {
        if (expectArray(run.predictions, `runs[${run.method}].predictions`).length !== samples.length)
          throw new Error(
            `run ${run.method} seed ${run.seed} has ${run.predictions.length} predictions for ${samples.length} samples`,
          );
      }
      return {
        dataset: index.dataset ?? dataset,
        imageSize: index.imageSize,
        classes: expectArray(index.classes, 'classes') as string[],
        samples: samples.map((s) => ({
          name: s.name,
          imageUrl: toUrl(`${folder}/${s.image}`),
          truthPath: `${folder}/${s.truth}`,
        })),
        runs: runs.map((r) => ({
          method: r.method,
          seed: r.seed,
          predictionPaths: r.predictions.map((p) => `${folder}/${p}`),
          sampleIoU: r.sampleIoU,
        })),
      };
    });
    if (view) out.push(view);
  }
  return out;
}
