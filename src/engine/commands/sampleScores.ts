/**
 * `optidel sample-scores --run R`: per-sample uniqueness, representativeness, k-means cluster and
 * hardest patch (curation/sampleScores.ts) -> curation/sample-scores.json + .f32, stamped with the
 * embeddings they came from so the views can tell when they are stale. Prints the top rows with
 * every score, the duplicate group, selection order and metadata beside them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuplicatesFile, SampleScoresInfo, ScoresInfo, SelectionFile } from '../../shared/artifacts';
import { ARTIFACTS, SAMPLE_SCORE_COLUMNS, selectionFile } from '../../shared/artifacts';
import { SAMPLE_SCORE_SORTS, SELECTION_METHOD_NAMES, type SampleScoreRow } from '../../shared/commands';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { resolveInRun } from '../../shared/run/node/contain';
import { fileStamp } from '../../shared/run/node/fileStamp';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import { runNeighbourSearch } from '../curation/runIndex';
import { sampleScores, type SampleScores } from '../curation/sampleScores';
import { readCacheIndex } from '../data/cache';
import { existingRunDir } from '../model/runSettings';
import { budgetAndSeed, runRecordOrUndefined } from '../pipeline/stageSettings';
import { readF32, readMetadataColumns, readSelectionInput } from '../pipeline/runArtifacts';

export const sampleScoresCommand: EngineCommand<'sample-scores'> = {
  name: 'sample-scores',
  summary:
    'Score every sample for curation: uniqueness (distance to its nearest neighbour), representativeness (similarity to its k-means centroid), cluster, hardest patch',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with score done' },
    { name: 'clusters', type: 'integer', description: 'k-means clusters (default about √N, at most 100)' },
    { name: 'seed', type: 'integer', description: 'k-means seed (default: the config seed)' },
    {
      name: 'sort',
      type: 'string',
      choices: SAMPLE_SCORE_SORTS,
      description: 'rows printed highest first by this score (default uniqueness; id: ascending)',
    },
    { name: 'limit', type: 'integer', description: 'rows printed (default 10; 0: every sample)' },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('sample-scores', args.run);
    if (args.clusters !== undefined && args.clusters < 1)
      throw new UsageError(`sample-scores: --clusters must be at least 1, got ${args.clusters}`);
    if (args.limit !== undefined && args.limit < 0)
      throw new UsageError(`sample-scores: --limit must be 0 or more, got ${args.limit}`);
    const { seed } = budgetAndSeed(await runRecordOrUndefined(runDir), args);
    const started = performance.now();
    const input = await readSelectionInput(runDir, (message) => ctx.log('warn', message));
    const info = (await readJsonFile(path.join(runDir, ARTIFACTS.scores))) as ScoresInfo;
    const n = info.count;
    const patchErrors = await readF32(
      path.join(runDir, ARTIFACTS.patchErrors),
      n * info.patchesPerSide ** 2,
      `optidel score --run ${runDir}`,
    );
    const embeddingsStamp = await fileStamp(path.join(runDir, ARTIFACTS.embeddings));
    const neighbours = await runNeighbourSearch(runDir, input.embeddings, input.dim, {
      log: (message) => ctx.log('warn', message),
    });
    const scores = sampleScores(input.embeddings, input.dim, patchErrors, {
      seed,
      neighbours,
      clusters: args.clusters,
      onProgress: (done, total) => ctx.progress('sample-scores', done, total, 'nearest neighbours'),
    });
    const meta: SampleScoresInfo = {
      version: 1,
      count: n,
      columns: [...SAMPLE_SCORE_COLUMNS],
      clusters: scores.clusters,
      seed,
      embeddings: embeddingsStamp,
      createdAt: new Date().toISOString(),
    };
    // Values first, the description that says what they are last: a reader never sees a new
    // description beside old values.
    await writeFileAtomic(resolveInRun(runDir, ARTIFACTS.sampleScoreValues), interleave(scores, n));
    await writeJsonAtomic(resolveInRun(runDir, ARTIFACTS.sampleScores), meta);
    const sort = args.sort ?? 'uniqueness';
    const rows = await scoreRows(runDir, input.difficulty, scores, sort, args.limit ?? 10);
    return {
      samples: n,
      clusters: scores.clusters,
      seconds: (performance.now() - started) / 1000,
      sort,
      rows,
      files: [ARTIFACTS.sampleScores, ARTIFACTS.sampleScoreValues].map((f) => path.join(runDir, f)),
    };
  },
  describe(r) {
    const head = `${r.samples} samples scored (${r.clusters} k-means clusters) in ${r.seconds.toFixed(1)} s; by ${r.sort}:`;
    const lines = r.rows.map(
      (row) =>
        `  #${row.id}  uniqueness ${row.uniqueness.toFixed(4)}  representativeness ${row.representativeness.toFixed(4)}  cluster ${row.cluster}  difficulty ${row.difficulty.toPrecision(3)}  hardest patch ${row.hardestPatch.toPrecision(3)}${row.duplicateGroup !== undefined ? `  duplicate group ${row.duplicateGroup}` : ''}  ${path.basename(row.source)}`,
    );
    return [head, ...lines, `wrote ${r.files.join(', ')}`].join('\n');
  },
};

/** N x C rows in SAMPLE_SCORE_COLUMNS order, as bytes. */
function interleave(scores: SampleScores, n: number): Uint8Array {
  const columns = SAMPLE_SCORE_COLUMNS.length;
  const out = new Float32Array(n * columns);
  SAMPLE_SCORE_COLUMNS.forEach((column, c) => {
    const values = scores[column];
    for (let i = 0; i < n; i++) out[i * columns + c] = values[i];
  });
  return new Uint8Array(out.buffer);
}

async function scoreRows(
  runDir: string,
  difficulty: Float32Array,
  scores: SampleScores,
  sort: (typeof SAMPLE_SCORE_SORTS)[number],
  limit: number,
): Promise<SampleScoreRow[]> {
  const index = await readCacheIndex(runDir);
  const metadata = await readMetadataColumns(
    runDir,
    index.samples.map((s) => s.source),
  );
  const duplicatesFile = path.join(runDir, ARTIFACTS.duplicates);
  const groups = fs.existsSync(duplicatesFile) ? ((await readJsonFile(duplicatesFile)) as DuplicatesFile).groups : [];
  const groupOf = new Map(groups.flatMap((g, k) => g.members.map((id) => [id, k] as const)));
  const orders: Array<[string, Map<number, number>]> = [];
  for (const method of SELECTION_METHOD_NAMES) {
    const file = path.join(runDir, selectionFile(method));
    if (!fs.existsSync(file)) continue;
    const selection = (await readJsonFile(file)) as SelectionFile;
    orders.push([method, new Map(selection.selected.map((id, k) => [id, k]))]);
  }
  const value = (id: number): number =>
    sort === 'id' ? -id : sort === 'difficulty' ? difficulty[id] : scores[sort][id];
  const ids = Array.from({ length: difficulty.length }, (_, i) => i).sort((a, b) => value(b) - value(a) || a - b);
  return ids.slice(0, limit || ids.length).map((id) => {
    const sample = index.samples[id];
    const selectionOrder: Record<string, number> = {};
    for (const [method, order] of orders) if (order.has(id)) selectionOrder[method] = order.get(id)!;
    return {
      id,
      source: sample.source,
      ...(sample.slice !== undefined ? { slice: sample.slice } : {}),
      difficulty: difficulty[id],
      hardestPatch: scores.hardestPatch[id],
      uniqueness: scores.uniqueness[id],
      representativeness: scores.representativeness[id],
      cluster: scores.cluster[id],
      ...(groupOf.has(id) ? { duplicateGroup: groupOf.get(id) } : {}),
      selectionOrder,
      ...(metadata.length ? { metadata: Object.fromEntries(metadata.map((c) => [c.name, c.values[c.of[id]]!])) } : {}),
    };
  });
}
