/** A shard's part of `optidel score` (its samples' embeddings, difficulty and per-patch errors), and the merge of all parts. */
import * as fs from 'node:fs';
import type { ScoresInfo } from '../../shared/artifacts';
import { shardPartFile } from '../../shared/run/layout';
import { resolveInRun } from '../../shared/run/node/contain';
import { writeFileAtomic } from '../../shared/node/atomicFile';
import { readJsonFile } from '../../shared/node/atomicFile';
import { readFloat32File } from '../../shared/node/float32File';
import type { PoolScores } from '../model/scoring';
import { readParts, writePart, type PartExpectations, type ShardPartRecord } from './parts';
import { shardRange, type Shard } from './shard';

/** scores.json of the merged run, less the count (the sum of the parts'). */
export type ScorePartFacts = Omit<ScoresInfo, 'count'>;

export type ScoreValues = Pick<PoolScores, 'embeddings' | 'difficulty' | 'patchErrors'>;

export function writeScorePart(
  runDir: string,
  shard: Shard,
  expected: PartExpectations,
  settings: Record<string, unknown>,
  scores: ScoreValues,
  info: ScoresInfo,
): Promise<string[]> {
  const { count: _count, ...facts } = info;
  const record = {
    version: 1,
    stage: 'score',
    shard,
    samples: shardRange(shard, expected.pool.size),
    ...expected,
    settings,
  } as const;
  return writePart<ScorePartFacts>(runDir, record, async (file) => {
    await writeFileAtomic(file('embeddings'), bytes(scores.embeddings));
    await writeFileAtomic(file('difficulty'), bytes(scores.difficulty));
    await writeFileAtomic(file('patchErrors'), bytes(scores.patchErrors));
    return facts;
  });
}

/** Every score part, checked and concatenated in shard order: the values an unsharded score writes. */
export async function mergeScoreParts(
  runDir: string,
  expected: PartExpectations,
  rerun: (shard: string) => string,
): Promise<{ scores: ScoreValues; info: ScoresInfo; shards: number }> {
  const parts = await readParts<ScorePartFacts>(runDir, 'score', expected, rerun);
  const facts = parts[0].record.facts;
  const n = expected.pool.size;
  const perPatch = facts.patchesPerSide ** 2;
  const scores: ScoreValues = {
    embeddings: new Float32Array(n * facts.embeddingDim),
    difficulty: new Float32Array(n),
    patchErrors: new Float32Array(n * perPatch),
  };
  for (const part of parts) {
    const { start, end } = part.record.samples;
    const read = async (name: 'embeddings' | 'difficulty' | 'patchErrors', width: number) => {
      const values = await readFloat32File(part.file(name), {
        length: (end - start) * width,
        fix: `shard samples ${start}-${end}; score the shard again`,
      });
      scores[name].set(values, start * width);
    };
    await read('embeddings', facts.embeddingDim);
    await read('difficulty', 1);
    await read('patchErrors', perPatch);
  }
  return { scores, info: { count: n, ...facts }, shards: parts.length };
}

/**
 * The per-patch errors of one shard's samples from its own score part, so that a job can score
 * and propose its shard without waiting for the merge; undefined when that part is absent or was
 * made from another pool or checkpoint (propose then reads the merged scores).
 */
export async function scorePartPatchErrors(
  runDir: string,
  shard: Shard,
  expected: PartExpectations,
): Promise<{ facts: ScorePartFacts; errors: Float32Array } | undefined> {
  const recordFile = resolveInRun(runDir, shardPartFile('score', shard.index, shard.count, 'record'));
  if (!fs.existsSync(recordFile)) return undefined;
  const record = (await readJsonFile(recordFile)) as ShardPartRecord<ScorePartFacts>;
  const same =
    record.pool?.contentHash === expected.pool.contentHash &&
    record.pool.size === expected.pool.size &&
    record.checkpoint?.hash === expected.checkpoint?.hash;
  if (!same) return undefined;
  const file = resolveInRun(runDir, shardPartFile('score', shard.index, shard.count, 'patchErrors'), {
    mustExist: true,
  });
  const { start, end } = shardRange(shard, expected.pool.size);
  const length = (end - start) * record.facts.patchesPerSide ** 2;
  // The size before the bytes, as readFloat32File does: a part that does not fit is recomputed, not read.
  if ((await fs.promises.stat(file)).size !== length * 4) return undefined;
  return { facts: record.facts, errors: await readFloat32File(file) };
}

export function bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
