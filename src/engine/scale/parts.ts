/**
 * The parts a sharded stage leaves under parts/<stage>/<i>-of-<n>/ (docs/scale-out.md), and the
 * checks `optidel merge` makes before it joins them. Each part records what its values depend on:
 * the shard, the pool's signature (the cache's content hash and size), the hash of the model
 * checkpoint's weights and the stage's settings. A part is complete once its part.json exists:
 * the data files are written first and part.json last, so a job killed half-way leaves a part
 * that merge reports as missing, never one that looks whole.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import { resolveInRun } from '../../shared/run/node/contain';
import {
  SHARD_PART_FILES,
  shardPartFile,
  shardPartFolder,
  shardOfPartFolder,
  shardPartsFolder,
  type ShardedStage,
} from '../../shared/run/layout';
import { checkpointDir } from '../model/checkpoint';
import { MODEL_FILE, resolveModelDir, WEIGHTS_FILE } from '../model/mae';
import { shardLabel, shardRange, type Shard } from './shard';

export interface ShardPartRecord<Facts = unknown> {
  version: 1;
  stage: ShardedStage;
  shard: Shard;
  /** The ids [start, end) of what the stage splits: samples (score, propose) or the pool's sources (ingest). */
  samples: { start: number; end: number };
  pool: PoolSignature;
  /** The model the values come from; absent for ingest, which needs none. */
  checkpoint?: { name: string; hash: string };
  /** The settings the part's values depend on (never the batch size: scores do not depend on it); merged parts must agree. */
  settings: Record<string, unknown>;
  /** What the merged artifact needs besides the values (for score: scores.json less the count). */
  facts: Facts;
}

export interface PoolSignature {
  /** The cache's content hash (cache/index.json): the pool's files and the settings that shape decoding. */
  contentHash: string;
  /** Samples in the cache (score, propose), or sources discovered (ingest): what the stage splits. */
  size: number;
}

/** What every part of a merge must have been made from: the run's pool and checkpoint as they are now. */
export interface PartExpectations {
  pool: PoolSignature;
  checkpoint?: { name: string; hash: string };
}

/** sha256 of the model the checkpoint folder holds now (model.json and weights.bin of its latest step). */
export async function checkpointHash(checkpointFolder: string): Promise<string> {
  const modelDir = resolveModelDir(checkpointFolder);
  const hash = createHash('sha256');
  // Streamed: a shared run's weights.bin may be any size (a sparse file costs its writer nothing).
  for (const file of [MODEL_FILE, WEIGHTS_FILE])
    for await (const chunk of fs.createReadStream(path.join(modelDir, file))) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Writes one part: part.json is removed first and written last, after `writeData` has written the
 * data files (each atomically) and returned the part's facts, so the record never describes files
 * of an earlier attempt.
 */
export async function writePart<Facts>(
  runDir: string,
  record: Omit<ShardPartRecord<Facts>, 'facts'>,
  writeData: (file: (name: keyof typeof SHARD_PART_FILES) => string) => Promise<Facts>,
): Promise<string[]> {
  const { stage, shard } = record;
  const recordFile = resolveInRun(runDir, shardPartFile(stage, shard.index, shard.count, 'record'));
  await fs.promises.rm(recordFile, { force: true });
  const written: string[] = [];
  const facts = await writeData((name) => {
    const relative = shardPartFile(stage, shard.index, shard.count, name);
    written.push(relative);
    return resolveInRun(runDir, relative);
  });
  await writeJsonAtomic(recordFile, { ...record, facts } satisfies ShardPartRecord<Facts>);
  return [...written, shardPartFile(stage, shard.index, shard.count, 'record')];
}

/** A part that passed every check, with the absolute path of each of its files. */
export interface CheckedPart<Facts> {
  record: ShardPartRecord<Facts>;
  file(name: keyof typeof SHARD_PART_FILES): string;
}

export class ShardMergeError extends Error {
  override name = 'ShardMergeError';
}

/**
 * Every part of `stage`, in shard order, after checking that together they are one whole split of
 * the current pool made with the current checkpoint and one set of settings. Refuses with every
 * problem found, each naming its shard and what to run again.
 */
export async function readParts<Facts>(
  runDir: string,
  stage: ShardedStage,
  expected: PartExpectations,
  rerun: (shard: string) => string,
): Promise<Array<CheckedPart<Facts>>> {
  const folder = resolveInRun(runDir, shardPartsFolder(stage));
  const names = fs.existsSync(folder)
    ? (await fs.promises.readdir(folder)).filter((f) => shardOfPartFolder(f) !== undefined)
    : [];
  if (names.length === 0)
    throw new ShardMergeError(`${folder} holds no parts: run "${rerun('i/n')}" for every shard i of n first`);
  const counts = new Set(names.map((n) => shardOfPartFolder(n)!.count));
  if (counts.size > 1)
    throw new ShardMergeError(
      `${folder} holds parts of splits into ${[...counts].sort((a, b) => a - b).join(' and ')} shards; delete the folders of the split you do not want`,
    );
  const count = [...counts][0];
  const problems: string[] = [];
  const byIndex = new Map<number, CheckedPart<Facts>>();
  // Shards whose folder readPart reported already, so they are not named missing a second time.
  const reported = new Set<number>();
  for (const name of names.sort()) {
    const part = await readPart<Facts>(runDir, stage, name, problems);
    if (!part) {
      reported.add(shardOfPartFolder(name)!.index);
      continue;
    }
    const label = `shard ${shardLabel(part.record.shard)}`;
    if (byIndex.has(part.record.shard.index)) {
      problems.push(`${label} is duplicated (${name} claims it too); delete the copy`);
      continue;
    }
    byIndex.set(part.record.shard.index, part);
  }
  const first = byIndex.get(Math.min(...byIndex.keys()));
  for (let index = 0; index < count; index++) {
    const label = shardLabel({ index, count });
    const part = byIndex.get(index);
    if (!part) {
      if (!reported.has(index))
        problems.push(`shard ${label} is missing (${shardPartFolder(stage, index, count)}): run "${rerun(label)}"`);
      continue;
    }
    problems.push(...mismatches(part.record, first!.record, expected, rerun));
  }
  if (problems.length)
    throw new ShardMergeError(`cannot merge the ${stage} parts of ${runDir}:\n  ${problems.join('\n  ')}`);
  return Array.from({ length: count }, (_, i) => byIndex.get(i)!);
}

/** The record of any complete part of `stage` (the first in shard order), for what all parts share; undefined when none. */
export async function anyPartRecord<Facts>(
  runDir: string,
  stage: ShardedStage,
): Promise<ShardPartRecord<Facts> | undefined> {
  const folder = resolveInRun(runDir, shardPartsFolder(stage));
  if (!fs.existsSync(folder)) return undefined;
  for (const name of (await fs.promises.readdir(folder)).filter((f) => shardOfPartFolder(f) !== undefined).sort()) {
    const part = await readPart<Facts>(runDir, stage, name, []);
    if (part) return part.record;
  }
  return undefined;
}

async function readPart<Facts>(
  runDir: string,
  stage: ShardedStage,
  folderName: string,
  problems: string[],
): Promise<CheckedPart<Facts> | undefined> {
  const { index, count } = shardOfPartFolder(folderName)!;
  const label = `shard ${shardLabel({ index, count })}`;
  const file = (name: keyof typeof SHARD_PART_FILES) =>
    resolveInRun(runDir, shardPartFile(stage, index, count, name), { mustExist: true });
  const recordFile = resolveInRun(runDir, shardPartFile(stage, index, count, 'record'));
  if (!fs.existsSync(recordFile)) {
    problems.push(`${label} is missing: ${recordFile} was never written (the job did not finish)`);
    return undefined;
  }
  let record: ShardPartRecord<Facts>;
  try {
    record = (await readJsonFile(recordFile)) as ShardPartRecord<Facts>;
  } catch (err) {
    problems.push(`${label}: ${(err as Error).message}`);
    return undefined;
  }
  const malformed = recordProblem(record, stage);
  if (malformed) {
    problems.push(
      `${label}: ${shardPartFile(stage, index, count, 'record')} is not a ${stage} part record (${malformed}); delete the folder and run the shard again`,
    );
    return undefined;
  }
  if (record.shard.count !== count) {
    problems.push(
      `${label}: its part.json says shard ${shardLabel(record.shard)}; delete the folder or score it again`,
    );
    return undefined;
  }
  return { record, file };
}

/**
 * What is wrong with the shape of a part record read from a shared run folder, or undefined: every
 * field the merge reads, so a hand-made part.json is refused by name instead of failing a check later.
 */
function recordProblem(record: unknown, stage: ShardedStage): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isObject(record)) return 'not a JSON object';
  if (record.version !== 1) return `version ${JSON.stringify(record.version)}, not 1`;
  if (record.stage !== stage) return `stage ${JSON.stringify(record.stage)}`;
  const { shard, samples, pool, checkpoint } = record;
  if (!isObject(shard) || !count(shard.index) || !count(shard.count))
    return '"shard" needs whole numbers index and count';
  if (!isObject(samples) || !count(samples.start) || !count(samples.end))
    return '"samples" needs whole numbers start and end';
  if (!isObject(pool) || typeof pool.contentHash !== 'string' || !count(pool.size))
    return '"pool" needs a contentHash and a whole-number size';
  if (
    stage !== 'ingest' &&
    (!isObject(checkpoint) || typeof checkpoint.name !== 'string' || typeof checkpoint.hash !== 'string')
  )
    return '"checkpoint" needs a name and a hash';
  if (!isObject(record.settings)) return '"settings" must be an object';
  if (!isObject(record.facts)) return '"facts" must be an object';
  return undefined;
}

function mismatches(
  record: ShardPartRecord,
  first: ShardPartRecord,
  expected: PartExpectations,
  rerun: (shard: string) => string,
): string[] {
  const label = shardLabel(record.shard);
  const again = `run "${rerun(label)}" again`;
  const out: string[] = [];
  if (record.pool.contentHash !== expected.pool.contentHash || record.pool.size !== expected.pool.size)
    out.push(
      `shard ${label} was made from another pool (${record.pool.size} samples, content ${record.pool.contentHash.slice(0, 12)}; the run's cache has ${expected.pool.size}, ${expected.pool.contentHash.slice(0, 12)}); ${again}`,
    );
  const made = record.checkpoint;
  const now = expected.checkpoint;
  if (now && (made?.name !== now.name || made.hash !== now.hash))
    out.push(
      `shard ${label} was made with another checkpoint (${made?.name} ${made?.hash.slice(0, 12)}; checkpoints/${now.name} now holds ${now.hash.slice(0, 12)}); ${again}`,
    );
  const differing = Object.keys({ ...first.settings, ...record.settings }).filter(
    (k) => JSON.stringify(first.settings[k]) !== JSON.stringify(record.settings[k]),
  );
  if (differing.length)
    out.push(
      `shard ${label} was made with other settings than shard ${shardLabel(first.shard)} (${differing.map((k) => `${k} ${JSON.stringify(record.settings[k])} vs ${JSON.stringify(first.settings[k])}`).join(', ')}); ${again} with the same options`,
    );
  const range = shardRange(record.shard, expected.pool.size);
  if (record.samples.start !== range.start || record.samples.end !== range.end)
    out.push(
      `shard ${label} holds samples ${record.samples.start}-${record.samples.end}, not ${range.start}-${range.end}; ${again}`,
    );
  return out;
}

/** The pool and checkpoint a part made now would record: the run's cache and checkpoints/<name> as they are. */
export async function currentExpectations(
  runDir: string,
  cache: { size: number; contentHash: string },
  checkpointName: string,
): Promise<PartExpectations> {
  return {
    pool: { contentHash: cache.contentHash, size: cache.size },
    checkpoint: { name: checkpointName, hash: await checkpointHash(checkpointDir(runDir, checkpointName)) },
  };
}
