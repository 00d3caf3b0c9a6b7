/**
 * The pool cache: decoded samples in binary shards (imageSize² little-endian Float32 each) plus
 * the index (cacheIndexFile.ts) with every sample's provenance. Writing keeps one shard in memory
 * and streams the provenance to disk; reading pixels is positional (a few samples at a time).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheIndex, CacheSample, Provenance } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { writeFileAtomic } from '../../shared/node/atomicFile';
import {
  CacheIndexWriter,
  readCacheHeaderFile,
  readCachePositionsFile,
  readCacheSampleValues,
  type CacheIndexHeader,
  type SamplePositions,
} from '../../shared/node/cacheIndexFile';
import { resolveInRun } from '../../shared/run/node/contain';
import { SeededRandom } from './random';

export const CACHE_DIR = ARTIFACTS.cacheDir;
/** Shards hold about this many bytes: big enough for sequential reads, small enough that the one being written costs little memory. */
const SHARD_BYTES = 4 * 1024 * 1024;

export function shardFileName(shard: number): string {
  return `${CACHE_DIR}/shard-${String(shard).padStart(5, '0')}.bin`;
}

export function samplesPerShard(imageSize: number): number {
  return Math.max(16, Math.floor(SHARD_BYTES / (imageSize * imageSize * 4)));
}

export class CacheWriter {
  private readonly pixelsPerSample: number;
  private readonly capacity: number;
  private buffer: Float32Array;
  private filled = 0;
  private readonly shards: CacheIndex['shards'] = [];
  private readonly index: CacheIndexWriter;

  constructor(
    private readonly runDir: string,
    readonly imageSize: number,
  ) {
    this.pixelsPerSample = imageSize * imageSize;
    this.capacity = samplesPerShard(imageSize);
    this.buffer = new Float32Array(this.capacity * this.pixelsPerSample);
    this.index = new CacheIndexWriter(runDir);
  }

  get count(): number {
    return this.index.count;
  }

  /** Appends one sample (imageSize² values in [0, 1]); returns its id. */
  async add(pixels: Float32Array, provenance: Provenance): Promise<number> {
    if (pixels.length !== this.pixelsPerSample)
      throw new Error(`cache: sample has ${pixels.length} pixels, expected ${this.pixelsPerSample}`);
    const id = this.index.count;
    this.buffer.set(pixels, this.filled * this.pixelsPerSample);
    await this.index.add({ ...provenance, id, shard: this.shards.length, offset: this.filled });
    this.filled++;
    if (this.filled === this.capacity) await this.flush();
    return id;
  }

  private async flush(): Promise<void> {
    if (this.filled === 0) return;
    const file = shardFileName(this.shards.length);
    const bytes = new Uint8Array(this.buffer.buffer, 0, this.filled * this.pixelsPerSample * 4);
    await writeFileAtomic(path.join(this.runDir, file), bytes);
    this.shards.push({ file, count: this.filled });
    this.filled = 0;
  }

  /** Writes the last shard and the index; the index goes last, so a cache without one is incomplete. */
  async finish(meta: Pick<CacheIndex, 'contentHash' | 'skipped' | 'emptySlicesSkipped'>): Promise<CacheIndexHeader> {
    await this.flush();
    return this.index.finish({ imageSize: this.imageSize, channels: 1, shards: this.shards, ...meta });
  }

  /** Drops the index written so far (the shard files are the caller's: they live in a staging folder). */
  abort(): Promise<void> {
    return this.index.abort();
  }
}

/** What a pixel reader needs: the cache's files and where each sample lies in them. A scoring thread opens its own reader from its parent's (the positions are shared memory). */
export interface CacheLayout {
  readonly runDir: string;
  readonly imageSize: number;
  readonly shards: CacheIndex['shards'];
  readonly positions: SamplePositions;
}

/** Reads pool samples' pixels by id. */
export interface CacheReader {
  /** N samples. */
  readonly size: number;
  readonly imageSize: number;
  /** Pixels of the given samples, concatenated, imageSize*imageSize Float32 in [0,1] each, in the order asked. */
  read(ids: readonly number[]): Promise<Float32Array>;
  /** Streams the pool (or `ids`) in batches; shuffled deterministically by seed when asked. Memory bounded by a batch. */
  batches(options: {
    batchSize: number;
    ids?: readonly number[];
    shuffle?: boolean;
    seed?: number;
  }): AsyncIterable<{ ids: number[]; pixels: Float32Array }>;
  /** Closes the shard files (also done by garbage collection; call it in long-lived processes). */
  close(): Promise<void>;
}

/**
 * The pool cache as the stages hold it: its pixels and content hash, not its provenance, which
 * costs about 100 B a sample against the positions' 8 (a pool of 10M: 1 GB against 80 MB, in
 * every process and scoring thread that opens it).
 */
export interface PoolCache extends CacheReader {
  readonly layout: CacheLayout;
  readonly contentHash: string;
  /** Every sample's provenance (cache/samples.jsonl), read and checked when asked. */
  provenance(): Promise<CacheSample[]>;
}

export class CacheError extends Error {
  override name = 'CacheError';
}

/**
 * Reads a cache index, checking that it is complete (every shard present with the right size) and
 * that every shard it names lies inside the run folder (a shared run folder cannot point a read elsewhere).
 */
export async function readCacheIndex(runDir: string): Promise<CacheIndex> {
  const { values, ...header } = await readCacheValues(runDir, (sample) => sample);
  return { ...header, samples: values };
}

/** `pick` of each sample with the index's header, checked as readCacheIndex checks it: for readers that need one field of every sample. */
export async function readCacheValues<T>(
  runDir: string,
  pick: (sample: CacheSample) => T,
): Promise<Omit<CacheIndex, 'samples'> & { values: T[] }> {
  requireIndex(runDir);
  const index = await readCacheSampleValues(runDir, pick);
  checkShards(runDir, index);
  return index;
}

/** The index's header alone (its samples not read): for a comparison of the pool's content hash, or its size. */
export async function readCacheHeader(runDir: string): Promise<Omit<CacheIndex, 'samples'> & { sampleCount: number }> {
  requireIndex(runDir);
  return readCacheHeaderFile(runDir);
}

function checkShards(runDir: string, index: Pick<CacheIndex, 'imageSize' | 'shards'>): void {
  const file = path.join(runDir, ARTIFACTS.cacheIndex);
  const bytesPerSample = index.imageSize * index.imageSize * 4;
  // The index reader has checked each shard's count.
  for (const [i, shard] of index.shards.entries()) {
    const shardPath = resolveInRun(runDir, shard.file, {
      source: `${file} shards[${i}]`,
      fix: 'delete the cache folder and ingest again',
    });
    const size = fs.existsSync(shardPath) ? fs.statSync(shardPath).size : -1;
    if (size !== shard.count * bytesPerSample)
      throw new CacheError(
        `${shardPath}: ${size < 0 ? 'missing' : `${size} bytes, expected ${shard.count * bytesPerSample}`}; ingest again to rebuild the cache`,
      );
  }
}

function requireIndex(runDir: string): void {
  const file = path.join(runDir, ARTIFACTS.cacheIndex);
  if (!fs.existsSync(file))
    throw new CacheError(`${file} is missing: run "optidel ingest --config optidel.json --out ${runDir}" first`);
}

export async function openCache(runDir: string): Promise<PoolCache> {
  requireIndex(runDir);
  const { imageSize, shards, positions, contentHash } = await readCachePositionsFile(runDir);
  checkShards(runDir, { imageSize, shards });
  const layout: CacheLayout = { runDir, imageSize, shards, positions };
  return {
    ...cacheReader(layout),
    layout,
    contentHash,
    provenance: async () => {
      const index = await readCacheIndex(runDir);
      if (index.contentHash !== contentHash || index.samples.length !== positions.shard.length)
        throw new CacheError(
          `${path.join(runDir, ARTIFACTS.cacheIndex)} changed while the command ran (another ingest?); run it again`,
        );
      return index.samples;
    },
  };
}

/** A reader of the pixels `layout` places, which its opener has checked (openCache). */
export function cacheReader(layout: CacheLayout): CacheReader {
  const { runDir, imageSize, shards, positions } = layout;
  const size = positions.shard.length;
  const pixelsPerSample = imageSize * imageSize;
  const bytesPerSample = pixelsPerSample * 4;
  const handles = new Map<number, Promise<fs.promises.FileHandle>>();
  const handle = (shard: number) => {
    let h = handles.get(shard);
    if (!h) {
      h = fs.promises.open(resolveInRun(runDir, shards[shard].file), 'r');
      handles.set(shard, h);
    }
    return h;
  };

  async function read(ids: readonly number[]): Promise<Float32Array> {
    const out = new Float32Array(ids.length * pixelsPerSample);
    const bytes = new Uint8Array(out.buffer);
    // Contiguous runs of ids in the same shard become one read.
    let i = 0;
    while (i < ids.length) {
      const first = checkedId(ids[i]);
      let run = 1;
      while (i + run < ids.length) {
        const next = checkedId(ids[i + run]);
        if (
          positions.shard[next] !== positions.shard[first] ||
          positions.offset[next] !== positions.offset[first] + run
        )
          break;
        run++;
      }
      const shard = positions.shard[first];
      const fh = await handle(shard);
      const length = run * bytesPerSample;
      const { bytesRead } = await fh.read(bytes, i * bytesPerSample, length, positions.offset[first] * bytesPerSample);
      if (bytesRead !== length)
        throw new CacheError(`${shards[shard].file}: short read; ingest again to rebuild the cache`);
      i += run;
    }
    return out;
  }

  function checkedId(id: number): number {
    if (!(Number.isInteger(id) && id >= 0 && id < size))
      throw new CacheError(`cache: no sample ${id} (the pool has ${size})`);
    return id;
  }

  async function* batches(options: {
    batchSize: number;
    ids?: readonly number[];
    shuffle?: boolean;
    seed?: number;
  }): AsyncIterable<{ ids: number[]; pixels: Float32Array }> {
    const order = options.ids ? [...options.ids] : Array.from({ length: size }, (_, i) => i);
    if (options.shuffle) new SeededRandom(options.seed ?? 0).shuffle(order);
    const batchSize = Math.max(1, Math.floor(options.batchSize));
    for (let start = 0; start < order.length; start += batchSize) {
      const ids = order.slice(start, start + batchSize);
      yield { ids, pixels: await read(ids) };
    }
  }

  async function close(): Promise<void> {
    const open = [...handles.values()];
    handles.clear();
    await Promise.all(open.map(async (h) => (await h.catch(() => undefined))?.close()));
  }

  return { size, imageSize, read, batches, close };
}
