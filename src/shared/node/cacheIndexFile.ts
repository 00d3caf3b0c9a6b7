/**
 * cache/index.json on disk, the one place that knows its versions (Node only; the engine, export
 * and the host read it through here). Version 2, written since: the index holds the header and the
 * sample count, and the samples are JSON Lines in cache/samples.jsonl, written one at a time while
 * ingest runs and read a chunk at a time, so a pool of 10M samples (about 3 GB of provenance) is
 * never one string. Version 1, one JSON document with a "samples" array, is still read: it caps
 * the pool near 1.8M samples, which every run of that version is below. Each reader keeps what its
 * callers use: the samples, one value of each, their places in the shards, or the header alone;
 * all check what they read the same way (readHeader, readIndex).
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
 * Checks the shape, that the samples are numbered 0..N-1 in order and that each names a place in
 * a shard the index lists; not the pixel files (the engine's readCacheIndex does). ENOENT passes
 * through for callers that treat a missing cache.
 */
export async function readCacheIndexFile(dir: string, chunkBytes = JSON_LINES_CHUNK_BYTES): Promise<CacheIndex> {
  const { values, ...header } = await readCacheSampleValues(dir, (sample) => sample, chunkBytes);
  return { ...header, samples: values };
}

/**
 * The header and `pick` of each sample, checked as readCacheIndexFile checks them: a reader keeps
 * of the samples only what it picks (the repeated strings one copy each, as there).
 */
export async function readCacheSampleValues<T>(
  dir: string,
  pick: (sample: CacheSample) => T,
  chunkBytes = JSON_LINES_CHUNK_BYTES,
): Promise<Omit<CacheIndex, 'samples'> & { values: T[] }> {
  const values: T[] = [];
  const share = sampleSharer();
  const header = await readIndex(dir, chunkBytes, () => (sample) => values.push(pick(share(sample))));
  return { ...header, values };
}

/**
 * Where each sample's pixels lie: sample i is number `offset[i]` of shard `shard[i]`. In shared
 * memory, so that scoring threads read their parent's table rather than the index.
 */
export interface SamplePositions {
  readonly shard: Uint32Array;
  readonly offset: Uint32Array;
}

/** The cache index without the samples' provenance: 8 B a sample, against about 100 for the samples (`npm run bench -- cache-index`). */
export type CachePositionsIndex = Omit<CacheIndex, 'samples'> & { positions: SamplePositions };

/** The header and sample positions of `dir`'s cache index, checked as readCacheIndexFile checks them; what the pixel readers need. */
export async function readCachePositionsFile(
  dir: string,
  chunkBytes = JSON_LINES_CHUNK_BYTES,
): Promise<CachePositionsIndex> {
  let positions: SamplePositions | undefined;
  const header = await readIndex(dir, chunkBytes, (count) => {
    // Sized by the declared count: a sample past it writes nothing, and fails the count check at the end.
    const shared = () => new Uint32Array(new SharedArrayBuffer(count * Uint32Array.BYTES_PER_ELEMENT));
    const table = (positions = { shard: shared(), offset: shared() });
    return (sample) => {
      table.shard[sample.id] = sample.shard;
      table.offset[sample.id] = sample.offset;
    };
  });
  return { ...header, positions: positions! };
}

/** The shortest line a sample can have, `{"id":0,"shard":0,"offset":0}`: bounds the count a file of some size can hold. */
const SHORTEST_SAMPLE_LINE = 29;
/** Samples, and samples in a shard, that positions (Uint32) can number. */
const MAX_COUNT = 2 ** 32 - 1;

/** The header of `dir`'s cache index, checked, without its samples: what a check of the pool's content hash needs. */
export async function readCacheHeaderFile(dir: string): Promise<Omit<CacheIndex, 'samples'> & { sampleCount: number }> {
  const { header, sampleCount } = await readHeader(dir);
  return { ...header, sampleCount };
}

interface CheckedHeader {
  file: string;
  fail: (why: string) => never;
  header: Omit<CacheIndex, 'samples'>;
  sampleCount: number;
  /** A version 1 index's samples, inline in it. */
  inline?: unknown[];
}

/** Reads and checks cache/index.json: its shape, image size, shards' counts, version and sample count. */
async function readHeader(dir: string): Promise<CheckedHeader> {
  // Through the containment rule: a shared run's index linked to /dev/zero or another folder is named, not read.
  const file = resolveInRun(dir, ARTIFACTS.cacheIndex, { fix: REBUILD });
  const fail = (why: string): never => {
    throw new CacheIndexError(`${file}: ${why}; ${REBUILD}`);
  };
  if (fs.existsSync(file) && !fs.statSync(file).isFile()) fail('not a file');
  const raw = (await readJsonFile(file)) as Partial<CacheIndex> | Partial<CacheIndexHeader> | null;
  if (typeof raw !== 'object' || raw === null) return fail('not a JSON object');
  if (!Array.isArray(raw.shards)) fail('"shards" is missing');
  // Every pixel buffer is sized by it: a shared index claiming 100,000 would ask for 40 GB a sample.
  if (!isImageSize(raw.imageSize))
    fail(
      `"imageSize" ${JSON.stringify(raw.imageSize)} is not a whole number of pixels from ${IMAGE_SIZE_RANGE.min} to ${IMAGE_SIZE_RANGE.max}`,
    );
  raw.shards!.forEach((shard, i) => {
    const count = (shard as Partial<CacheIndex['shards'][number]> | null)?.count;
    if (!(Number.isInteger(count) && count! >= 0 && count! <= MAX_COUNT))
      fail(`shards[${i}].count must be a whole number from 0 to ${MAX_COUNT}`);
  });
  if (raw.version === 1) {
    const { samples, ...header } = raw as Partial<CacheIndex>;
    if (!Array.isArray(samples)) fail('"samples" must be an array');
    return { file, fail, header: header as CheckedHeader['header'], sampleCount: samples!.length, inline: samples };
  }
  if (raw.version !== CACHE_INDEX_VERSION)
    throw new CacheIndexError(
      `${file}: cache index version ${JSON.stringify(raw.version)} is not one this OptiDEL reads (1 or ${CACHE_INDEX_VERSION}); update OptiDEL, or ${REBUILD}`,
    );
  const { sampleCount, ...header } = raw as CacheIndexHeader;
  if (!(Number.isInteger(sampleCount) && sampleCount >= 0 && sampleCount <= MAX_COUNT))
    fail(`"sampleCount" must be a whole number from 0 to ${MAX_COUNT}`);
  return { file, fail, header, sampleCount };
}

/**
 * Reads and checks the header, then gives `begin` the number of samples it declares and every
 * checked sample, in id order, to the function `begin` returns.
 */
async function readIndex(
  dir: string,
  chunkBytes: number,
  begin: (count: number) => (sample: CacheSample) => void,
): Promise<Omit<CacheIndex, 'samples'>> {
  const { fail, header, sampleCount, inline } = await readHeader(dir);
  const { shards } = header;
  let count = 0;
  let take: (sample: CacheSample) => void = () => {};
  const start = (): void => {
    try {
      take = begin(sampleCount);
    } catch (err) {
      // A count that the file's size allows (a sparse file's size costs nothing) may still not fit in memory.
      if (err instanceof RangeError) fail(`${sampleCount} samples do not fit in memory (${err.message})`);
      throw err;
    }
  };
  const check = (value: unknown, where: string): void => {
    const sample = value as CacheSample;
    if (sample?.id !== count) fail(`${where} is not sample ${count}`);
    const { shard, offset } = sample;
    // A place outside the shards would read another sample's pixels, or none.
    if (!(Number.isInteger(shard) && shard >= 0 && shard < shards.length))
      fail(`${where}: "shard" ${JSON.stringify(shard)} is not one of the ${shards.length} shards`);
    if (!(Number.isInteger(offset) && offset >= 0 && offset < shards[shard].count))
      fail(`${where}: "offset" ${JSON.stringify(offset)} is not a place in shard ${shard}`);
    take(sample);
    count++;
  };
  if (inline) {
    start();
    inline.forEach((sample, i) => check(sample, `samples[${i}]`));
    return header;
  }
  const samplesFile = resolveInRun(dir, ARTIFACTS.cacheSamples, { fix: REBUILD });
  if (!fs.existsSync(samplesFile)) fail(`${ARTIFACTS.cacheSamples} is missing`);
  const stat = fs.statSync(samplesFile);
  if (!stat.isFile()) fail(`${ARTIFACTS.cacheSamples} is not a file`);
  if (sampleCount * SHORTEST_SAMPLE_LINE > stat.size)
    fail(`${ARTIFACTS.cacheSamples} has ${stat.size} bytes, too few for the ${sampleCount} samples the index says`);
  start();
  for await (const value of readJsonLines(samplesFile, chunkBytes))
    check(value, `${ARTIFACTS.cacheSamples} line ${count + 1}`);
  if (count !== sampleCount) fail(`${ARTIFACTS.cacheSamples} holds ${count} samples, the index says ${sampleCount}`);
  return header;
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
