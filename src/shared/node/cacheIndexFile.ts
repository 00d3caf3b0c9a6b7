/**
 * cache/index.json on disk, the one place that knows its versions (Node only; the engine, export
 * and the host read it through here). Version 2, written since: the index holds the header and the
 * sample count, and the samples are JSON Lines in cache/samples.jsonl, written one at a time while
 * ingest runs and read a chunk at a time, so a pool of 10M samples (about 3 GB of provenance) is
 * never one string. Version 1, one JSON document with a "samples" array, is still read: it caps
 * the pool near 1.8M samples, which every run of that version is below.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheIndex, CacheSample } from '../artifacts';
import { IMAGE_SIZE_RANGE, isImageSize } from '../config';
import { ARTIFACTS } from '../run/layout';
import { resolveInRun } from '../run/node/contain';
import { readJsonFile, writeJsonAtomic } from './atomicFile';
import { JSON_LINES_CHUNK_BYTES, JsonLinesWriter, readJsonLines } from './jsonLines';
import { SharedValues } from '../sharedValues';

export const CACHE_INDEX_VERSION = 2;

/** cache/index.json of version 2: everything but the samples, which are in cache/samples.jsonl. */
export type CacheIndexHeader = Omit<CacheIndex, 'version' | 'samples'> & { version: 2; sampleCount: number };

export class CacheIndexError extends Error {
  override name = 'CacheIndexError';
}

const REBUILD = 'delete the cache folder and ingest again';

/** Streams the samples to cache/samples.jsonl as they come, then writes the index last (a cache without one is incomplete). */
export class CacheIndexWriter {
  private readonly samples: JsonLinesWriter;

  constructor(
    private readonly dir: string,
    chunkBytes = JSON_LINES_CHUNK_BYTES,
  ) {
    this.samples = new JsonLinesWriter(path.join(dir, ARTIFACTS.cacheSamples), chunkBytes);
  }

  get count(): number {
    return this.samples.count;
  }

  /** Appends the next sample; its id must be the count so far. */
  async add(sample: CacheSample): Promise<void> {
    if (sample.id !== this.samples.count)
      throw new CacheIndexError(`cache index: sample ${sample.id} added as number ${this.samples.count}`);
    await this.samples.add(sample);
  }

  async finish(header: Omit<CacheIndexHeader, 'version' | 'sampleCount'>): Promise<CacheIndexHeader> {
    await this.samples.finish();
    const index: CacheIndexHeader = { ...header, version: CACHE_INDEX_VERSION, sampleCount: this.samples.count };
    await writeJsonAtomic(path.join(this.dir, ARTIFACTS.cacheIndex), index);
    return index;
  }

  abort(): Promise<void> {
    return this.samples.abort();
  }
}

/**
 * The cache index of the run (or ingest part) folder `dir`, samples included, of either version.
 * Checks the shape and that the samples are numbered 0..N-1 in order; not the pixel files (the
 * engine's readCacheIndex does). ENOENT passes through for callers that treat a missing cache.
 */
export async function readCacheIndexFile(dir: string, chunkBytes = JSON_LINES_CHUNK_BYTES): Promise<CacheIndex> {
  // Through the containment rule: a shared run's index linked to /dev/zero or another folder is named, not read.
  const file = resolveInRun(dir, ARTIFACTS.cacheIndex, { fix: REBUILD });
  const raw = (await readJsonFile(file)) as Partial<CacheIndex> | Partial<CacheIndexHeader> | null;
  const fail = (why: string): never => {
    throw new CacheIndexError(`${file}: ${why}; ${REBUILD}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('not a JSON object');
  if (!Array.isArray(raw.shards)) fail('"shards" is missing');
  // Every pixel buffer is sized by it: a shared index claiming 100,000 would ask for 40 GB a sample.
  if (!isImageSize(raw.imageSize))
    fail(
      `"imageSize" ${JSON.stringify(raw.imageSize)} is not a whole number of pixels from ${IMAGE_SIZE_RANGE.min} to ${IMAGE_SIZE_RANGE.max}`,
    );
  if (raw.version === 1) {
    const { samples } = raw as Partial<CacheIndex>;
    if (!Array.isArray(samples)) fail('"samples" must be an array');
    return { ...(raw as CacheIndex), samples: samples!.map(sampleSharer()) };
  }
  if (raw.version !== CACHE_INDEX_VERSION)
    throw new CacheIndexError(
      `${file}: cache index version ${JSON.stringify(raw.version)} is not one this OptiDEL reads (1 or ${CACHE_INDEX_VERSION}); update OptiDEL, or ${REBUILD}`,
    );
  const header = raw as CacheIndexHeader;
  if (!(Number.isInteger(header.sampleCount) && header.sampleCount >= 0)) fail('"sampleCount" must be a whole number');
  const samplesFile = resolveInRun(dir, ARTIFACTS.cacheSamples, { fix: REBUILD });
  if (!fs.existsSync(samplesFile)) fail(`${ARTIFACTS.cacheSamples} is missing`);
  const samples: CacheSample[] = [];
  const share = sampleSharer();
  for await (const value of readJsonLines(samplesFile, chunkBytes)) {
    const sample = value as CacheSample;
    if (sample?.id !== samples.length)
      fail(`${ARTIFACTS.cacheSamples} line ${samples.length + 1} is not sample ${samples.length}`);
    samples.push(share(sample));
  }
  if (samples.length !== header.sampleCount)
    fail(`${ARTIFACTS.cacheSamples} holds ${samples.length} samples, the index says ${header.sampleCount}`);
  const { sampleCount: _count, ...rest } = header;
  return { ...rest, samples };
}

/** The samples' fields that the slices of one volume repeat, one copy each (`SharedValues`). */
function sampleSharer(): (sample: CacheSample) => CacheSample {
  const shared = new SharedValues();
  return (sample) => {
    // Only well-formed fields are shared; anything else is left for the callers' checks to name.
    if (typeof sample?.source === 'string') sample.source = shared.string(sample.source);
    if (typeof sample?.intensity === 'string') sample.intensity = shared.string(sample.intensity);
    if (typeof sample?.acquisition === 'string') sample.acquisition = shared.string(sample.acquisition);
    const size = sample?.originalSize;
    if (Array.isArray(size) && size.length === 2 && size.every((v) => typeof v === 'number'))
      sample.originalSize = shared.numbers(size);
    return sample;
  };
}
