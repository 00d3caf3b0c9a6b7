/**
 * A shard's part of `optidel ingest` (the cache and thumbnails of its sources), and the merge of
 * all parts into the run's cache/ and thumbs/. A part is laid out as a run's cache/ and thumbs/,
 * its samples numbered from 0. The merge renumbers them after the parts before, in shard order,
 * which is the order an unsharded ingest decodes the sources in (sourceGroups), so every sample
 * gets the id, provenance and pixels it would have had. The part's pixel and atlas files are hard
 * links in the merged cache (copied where the file system has none): merging 10M samples moves
 * no pixels, and the parts stay as they were until deleted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ThumbnailAtlasIndex } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { readJsonFile } from '../../shared/node/atomicFile';
import { shardPartFolder } from '../../shared/run/layout';
import { resolveInRun } from '../../shared/run/node/contain';
import { parseThumbsIndex } from '../../shared/run/thumbsIndex';
import { CacheIndexWriter, type CacheIndexHeader } from '../../shared/node/cacheIndexFile';
import { CACHE_DIR, readCacheIndex, shardFileName } from '../data/cache';
import type { DecodePlan, IngestSummary } from '../data/ingest';
import { rebuildBeside } from '../data/stagedRebuild';
import { atlasFileName, THUMBS_DIR, writeThumbsIndex } from '../data/thumbs';
import { readParts, writePart, type CheckedPart, type PartExpectations } from './parts';
import { shardLabel, shardRange, type Shard } from './shard';
import { appendAll } from '../../shared/appendAll';

export interface IngestPartFacts {
  samples: number;
  skipped: IngestSummary['skipped'];
  emptySlicesSkipped: number;
}

/** The pool an ingest part must be made from: the content hash and the number of source groups (what the shards split). */
export function ingestExpectations(plan: DecodePlan, sources: number): PartExpectations {
  return { pool: { contentHash: plan.hash, size: sources } };
}

/** Decodes a shard into its part folder (emptied first) with `decode`, then records it. */
export async function writeIngestPart(
  runDir: string,
  shard: Shard,
  plan: DecodePlan,
  sources: number,
  decode: (partDir: string) => Promise<IngestSummary>,
): Promise<string[]> {
  const partDir = resolveInRun(runDir, shardPartFolder('ingest', shard.index, shard.count));
  const record = {
    version: 1,
    stage: 'ingest',
    shard,
    samples: shardRange(shard, sources),
    ...ingestExpectations(plan, sources),
    settings: { sampling: plan.options, group: plan.loaded.config.ingest?.group ?? null },
  } as const;
  return writePart<IngestPartFacts>(runDir, record, async (file) => {
    for (const folder of [CACHE_DIR, THUMBS_DIR])
      await fs.promises.rm(path.join(partDir, folder), { recursive: true, force: true });
    const summary = await decode(partDir);
    file('cacheIndex');
    file('thumbsIndex');
    return {
      samples: summary.samples,
      skipped: summary.skipped,
      emptySlicesSkipped: summary.emptySlicesSkipped,
    };
  });
}

/** Every ingest part, checked, joined into the run's cache/ and thumbs/ (swapped in whole, the old ones kept on failure). */
export async function mergeIngestParts(
  runDir: string,
  plan: DecodePlan,
  sources: number,
  rerun: (shard: string) => string,
): Promise<{ index: CacheIndexHeader; shards: number }> {
  const parts = await readParts<IngestPartFacts>(runDir, 'ingest', ingestExpectations(plan, sources), rerun);
  const index = await rebuildBeside(runDir, [THUMBS_DIR, CACHE_DIR], (staging) =>
    joinParts(runDir, parts, plan, staging),
  );
  return { index, shards: parts.length };
}

async function joinParts(
  runDir: string,
  parts: Array<CheckedPart<IngestPartFacts>>,
  plan: DecodePlan,
  staging: string,
): Promise<CacheIndexHeader> {
  // One part's index in memory at a time; the merged samples stream to disk.
  const samples = new CacheIndexWriter(staging);
  const merged: Omit<CacheIndexHeader, 'version' | 'sampleCount'> = {
    imageSize: plan.options.imageSize,
    channels: 1,
    contentHash: plan.hash,
    shards: [],
    skipped: [],
    emptySlicesSkipped: 0,
  };
  let thumbs: ThumbnailAtlasIndex | undefined;
  for (const part of parts) {
    const partDir = resolveInRun(runDir, shardPartFolder('ingest', part.record.shard.index, part.record.shard.count));
    const label = `shard ${shardLabel(part.record.shard)}`;
    const again = `ingest ${label} again`;
    const index = await readCacheIndex(partDir);
    if (index.imageSize !== merged.imageSize || index.samples.length !== part.record.facts.samples)
      throw new Error(
        `${part.file('cacheIndex')}: ${index.samples.length} samples of ${index.imageSize} px, its part.json says ${part.record.facts.samples} of ${merged.imageSize} px; ${again}`,
      );
    const idBase = samples.count;
    const shardBase = merged.shards.length;
    for (const [k, shard] of index.shards.entries()) {
      const file = shardFileName(shardBase + k);
      await linkOrCopy(resolveInRun(partDir, shard.file), path.join(staging, file));
      merged.shards.push({ file, count: shard.count });
    }
    for (const sample of index.samples)
      await samples.add({ ...sample, id: sample.id + idBase, shard: sample.shard + shardBase });
    appendAll(merged.skipped, part.record.facts.skipped);
    merged.emptySlicesSkipped += part.record.facts.emptySlicesSkipped;
    const partThumbs = parseThumbsIndex(await readJsonFile(part.file('thumbsIndex')), part.file('thumbsIndex'));
    thumbs ??= { size: partThumbs.size, columns: partThumbs.columns, atlases: [], positions: {} };
    if (partThumbs.size !== thumbs.size || partThumbs.columns !== thumbs.columns)
      throw new Error(
        `${part.file('thumbsIndex')}: thumbnails of ${partThumbs.size} px in ${partThumbs.columns} columns, the first part's are ${thumbs.size} px in ${thumbs.columns}; ${again}`,
      );
    const atlasBase = thumbs.atlases.length;
    for (const [k, name] of partThumbs.atlases.entries()) {
      const file = atlasFileName(atlasBase + k);
      await linkOrCopy(
        resolveInRun(partDir, `${THUMBS_DIR}/${name}`, { mustExist: true }),
        path.join(staging, THUMBS_DIR, file),
      );
      thumbs.atlases.push(file);
    }
    for (const [id, [atlas, column, row]] of Object.entries(partThumbs.positions)) {
      if (!(Number(id) >= 0 && Number(id) < index.samples.length && atlas < partThumbs.atlases.length))
        throw new Error(`${part.file('thumbsIndex')}: position of ${id} is outside the part; ${again}`);
      thumbs.positions[String(Number(id) + idBase)] = [atlas + atlasBase, column, row];
    }
  }
  if (samples.count === 0)
    throw new Error(`ingest: nothing usable in the pool (every shard is empty); check "pool" in ${plan.loaded.file}`);
  await writeThumbsIndex(staging, thumbs!);
  // The cache index last, as an unsharded ingest writes it: a cache without one is incomplete.
  return samples.finish(merged);
}

/** A hard link (no bytes moved), or a copy where the file system cannot link. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(to), { recursive: true });
  try {
    await fs.promises.link(from, to);
  } catch {
    await fs.promises.copyFile(from, to);
  }
}

/** The files the merge writes besides the pixels and atlases, as its result names them. */
export const MERGED_INGEST_FILES = [ARTIFACTS.cacheIndex, ARTIFACTS.cacheSamples, ARTIFACTS.thumbsIndex];
