/**
 * Reads curation/sample-scores.f32 by its description curation/sample-scores.json, refused when it
 * scores another pool size or is stale (scores/embeddings.f32 rewritten since, by `optidel score`
 * or `optidel embeddings`). One reader for the views and `optidel export --what scores`. Node only.
 */
import * as path from 'node:path';
import type { SampleScoreColumn, SampleScoresInfo } from '../../artifacts';
import { ARTIFACTS, SAMPLE_SCORE_COLUMNS } from '../../artifacts';
import { readJsonFile } from '../../node/atomicFile';
import { readFloat32File } from '../../node/float32File';
import { resolveInRun } from './contain';
import { fileStamp, sameStamp } from './fileStamp';

export interface SampleScoreColumns {
  values: Record<SampleScoreColumn, Float32Array>;
  clusters: number;
}

export async function readSampleScoreColumns(runDir: string, n: number): Promise<SampleScoreColumns> {
  const again = `run "optidel sample-scores --run ${runDir}" again`;
  const info = (await readJsonFile(resolveInRun(runDir, ARTIFACTS.sampleScores, { mustExist: true }))) as
    SampleScoresInfo | undefined;
  if (info?.version !== 1 || info.count !== n)
    throw new Error(`scores ${info?.count} samples, the pool has ${n}: ${again}`);
  if (!sameStamp(info.embeddings, await fileStamp(path.join(runDir, ARTIFACTS.embeddings))))
    throw new Error(`stale, computed before ${ARTIFACTS.embeddings} was last written; ${again}`);
  const width = SAMPLE_SCORE_COLUMNS.length;
  const rows = await readFloat32File(resolveInRun(runDir, ARTIFACTS.sampleScoreValues, { mustExist: true }), {
    length: n * width,
    fix: `the run has ${n} samples x ${width}; ${again}`,
  });
  const column = (c: number) => Float32Array.from({ length: n }, (_, i) => rows[i * width + c]!);
  const values = Object.fromEntries(SAMPLE_SCORE_COLUMNS.map((name, c) => [name, column(c)])) as Record<
    SampleScoreColumn,
    Float32Array
  >;
  return { values, clusters: info.clusters };
}
