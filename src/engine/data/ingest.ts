/**
 * `ingestPool`: the pool named by the config becomes the run's cache (shards + index) and
 * thumbnail atlases. A content hash of the inputs (paths, sizes, mtimes) and of the settings that
 * shape decoding lets an unchanged pool skip decoding entirely. A file that cannot be used is
 * skipped with its reason and the rest goes on; only an empty result is an error.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheIndex, Provenance } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import type { IngestResult } from '../../shared/commands';
import { CONFIG_DEFAULTS } from '../../shared/config';
import type { CommandContext } from '../command';
import { CancelledError, letCancelIn, throwIfCancelled } from '../command';
import type { LoadedConfig } from '../config/loadConfig';
import { userGrouping } from './acquisition';
import { CACHE_DIR, CacheWriter, openCache, readCacheHeader, readCacheValues } from './cache';
import type { Discovery, SourceFile } from './discover';
import { discoverSources } from './discover';
import { readDicomSeries } from './formats/dicomSeries';
import { UnusableFileError } from './formats/errors';
import { loadSharp } from './formats/raster';
import { readVolumeFile } from './formats/volumeFile';
import { rasterSample } from './rasterSamples';
import type { SampleOptions } from './slicing';
import { sliceVolume } from './slicing';
import { rebuildBeside } from './stagedRebuild';
import { ThumbnailWriter, THUMBS_DIR } from './thumbs';
import { AXIS_NUMBERS } from './volume';

/** The ingest command's result without the run folder (the shape is shared with the host). */
export type IngestSummary = Omit<IngestResult, 'runDir'>;

/** Bump when decoding changes cached pixels or provenance: old caches are then rebuilt (2: acquisitions). */
const DECODER_VERSION = 2;
/** 2D files being decoded while earlier ones are stored: keeps libvips busy, memory stays at a few images. */
const RASTER_WINDOW = 8;
/** Consecutive 2D files handled as one unit (progress is reported per file inside it). */
const RASTER_UNIT = 256;

export function sampleOptions(loaded: LoadedConfig): SampleOptions {
  const ingest = loaded.config.ingest ?? {};
  return {
    imageSize: loaded.config.imageSize,
    axes: [...new Set(ingest.axes ?? CONFIG_DEFAULTS.axes)].map((a) => AXIS_NUMBERS[a]),
    intensity: ingest.intensity,
    emptyFraction: ingest.emptyFraction ?? CONFIG_DEFAULTS.emptyFraction,
    maxVoxels: ingest.maxVoxels ?? CONFIG_DEFAULTS.maxVoxels,
    maxBytes: ingest.maxBytes ?? CONFIG_DEFAULTS.maxBytes,
    frames: ingest.frames ?? 'all',
  };
}

export function contentHash(files: readonly SourceFile[], options: SampleOptions, group?: string): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ decoder: DECODER_VERSION, options, group }));
  for (const f of files) hash.update(`\n${f.path}\t${f.size}\t${f.mtimeMs}`);
  return hash.digest('hex');
}

/** The pool's files as discovered now, and the content hash a cache of them would carry. */
export async function discoverPool(loaded: LoadedConfig): Promise<Pick<DecodePlan, 'discovery' | 'options' | 'hash'>> {
  const options = sampleOptions(loaded);
  const exclude = (loaded.config.ingest?.exclude ?? []).map((g) =>
    path.isAbsolute(g) ? g : path.resolve(loaded.dir, g),
  );
  const discovery = await discoverSources(loaded.config.pool, exclude);
  return { discovery, options, hash: contentHash(discovery.files, options, loaded.config.ingest?.group) };
}

/** What a decode of the pool (whole, a shard, or a merge of shards) works from. */
export async function planDecode(loaded: LoadedConfig): Promise<DecodePlan> {
  const pool = await discoverPool(loaded);
  // The native image library loads while the cache is checked, not in front of the first image.
  if (pool.discovery.files.some((f) => f.kind === 'raster')) loadSharp().catch(() => undefined);
  return { loaded, ...pool, groupOf: userGrouping(loaded.config.ingest?.group, loaded.file) };
}

/** A cache an ingest may reuse: its header and each sample's source. */
export type ReusableCache = Omit<CacheIndex, 'samples'> & { values: string[] };

/**
 * The run's cache when it is whole and was made from the pool whose content hash is `hash`, else
 * undefined; of a cache made from another pool only the header is read.
 */
export async function unchangedCache(runDir: string, hash: string): Promise<ReusableCache | undefined> {
  const header = await readCacheHeader(runDir).catch(() => undefined);
  if (header?.contentHash !== hash) return undefined;
  return readCacheValues(runDir, (s) => s.source).catch(() => undefined);
}

export function reuseCache(previous: ReusableCache, ctx: CommandContext, started: number): IngestSummary {
  const samples = previous.values.length;
  ctx.log('info', `ingest: the pool is unchanged since the last ingest (${samples} samples); reusing the cache`);
  return summarize(samples, new Set(previous.values).size, previous, started, true);
}

/** Under the stage lock: reuses the cache if it still matches (its thumbnails rebuilt if missing), else decodes the pool anew. */
export async function ingestInto(
  plan: DecodePlan,
  runDir: string,
  ctx: CommandContext,
  started: number,
): Promise<IngestSummary> {
  const previous = await unchangedCache(runDir, plan.hash);
  if (previous) {
    if (!fs.existsSync(path.join(runDir, ARTIFACTS.thumbsIndex))) await rebuildThumbnails(runDir);
    return reuseCache(previous, ctx, started);
  }
  // Thumbnails go in first and the cache (whose index holds the content hash) last: a crash between
  // the two swaps leaves the old hash, so the next ingest rebuilds both rather than trust them.
  return rebuildBeside(runDir, [THUMBS_DIR, CACHE_DIR], (staging) => decodePool(plan, staging, ctx, started));
}

/** What one decode of the pool works from. */
export interface DecodePlan {
  loaded: LoadedConfig;
  discovery: Discovery;
  options: SampleOptions;
  /** The content hash the new cache's index records. */
  hash: string;
  /** The user's `ingest.group`, when given: a source's acquisition. */
  groupOf?: (source: string) => string | undefined;
}

/** The new cache could not be written (a full disk): the ingest stops, rather than blame each input file in turn. */
class CacheWriteError extends Error {
  override name = 'CacheWriteError';
}

/** Decodes every file of the pool into a cache and thumbnails under `outDir`; an empty result is an error unless `allowEmpty` (a shard). */
export async function decodePool(
  { loaded, discovery, options, hash, groupOf }: DecodePlan,
  outDir: string,
  ctx: CommandContext,
  started: number,
  { allowEmpty = false } = {},
): Promise<IngestSummary> {
  const writer = new CacheWriter(outDir, options.imageSize);
  const thumbs = new ThumbnailWriter(outDir, options.imageSize);
  const skipped = [...discovery.skipped];
  const sources = new Set<string>();
  let emptySlices = 0;
  const emit = async (pixels: Float32Array, provenance: Provenance) => {
    const acquisition = groupOf?.(provenance.source) ?? provenance.acquisition;
    try {
      const id = await writer.add(pixels, acquisition === undefined ? provenance : { ...provenance, acquisition });
      await thumbs.add(id, pixels);
    } catch (err) {
      throw new CacheWriteError(
        `ingest: cannot write the new cache (${(err as Error).message}); the run's cache and thumbnails are left as they were`,
      );
    }
    sources.add(provenance.source);
  };
  const skip = (file: string, err: unknown) => {
    if (err instanceof CancelledError || err instanceof CacheWriteError) throw err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const reason =
      err instanceof UnusableFileError
        ? err.message.replace(`${file}: `, '')
        : code && /^E[A-Z]+$/.test(code)
          ? `cannot read the file (${(err as Error).message})`
          : `unexpected error: ${(err as Error).message ?? String(err)}`;
    skipped.push({ path: file, reason });
    ctx.log('warn', `skipped ${file}: ${reason}`);
  };
  const checkCancelled = () => throwIfCancelled(ctx.signal);

  const units = groupUnits(discovery.files);
  let done = 0;
  const total = discovery.files.length;
  for (const unit of units) {
    checkCancelled();
    ctx.progress('ingest', done, total, path.basename(unit.files[0].path));
    if (unit.kind === 'raster') {
      await mapInOrder(
        unit.files,
        RASTER_WINDOW,
        (f) => rasterSample(f.path, options.imageSize, options.intensity, options.emptyFraction, options.maxVoxels),
        async (f, outcome, i) => {
          checkCancelled();
          if (outcome.status === 'rejected') skip(f.path, outcome.reason);
          else if ('empty' in outcome.value) emptySlices++;
          else await emit(outcome.value.pixels, outcome.value.provenance);
          if (i % 32 === 31) ctx.progress('ingest', done + i + 1, total, path.basename(f.path));
        },
      );
    } else if (unit.kind === 'volume') {
      const file = unit.files[0].path;
      try {
        const volume = await readVolumeFile(file, options);
        emptySlices += await sliceVolume(volume, file, options, emit, checkCancelled);
      } catch (err) {
        skip(file, err);
      }
    } else {
      for await (const s of readDicomSeries(
        unit.files.map((f) => f.path),
        options,
      )) {
        if ('error' in s) skip(s.path, s.error);
        else {
          try {
            emptySlices += await sliceVolume(s.volume, s.source, options, emit, checkCancelled);
          } catch (err) {
            skip(s.source, err);
          }
        }
      }
    }
    done += unit.files.length;
    await letCancelIn();
  }
  ctx.progress('ingest', total, total);
  if (writer.count === 0 && !allowEmpty) {
    const reasons = skipped
      .slice(0, 5)
      .map((s) => `  ${s.path}: ${s.reason}`)
      .join('\n');
    throw new Error(
      `ingest: nothing usable in the pool (${discovery.files.length} files found, ${skipped.length} skipped, ${emptySlices} empty slices)${reasons ? `:\n${reasons}` : ''}\nCheck "pool" in ${loaded.file}.`,
    );
  }
  await thumbs.finish();
  const index = await writer.finish({ contentHash: hash, skipped, emptySlicesSkipped: emptySlices });
  return summarize(index.sampleCount, sources.size, index, started, false);
}

function summarize(
  samples: number,
  sources: number,
  index: Pick<CacheIndex, 'skipped' | 'emptySlicesSkipped'>,
  started: number,
  cached: boolean,
): IngestSummary {
  return {
    samples,
    sources,
    skipped: index.skipped,
    emptySlicesSkipped: index.emptySlicesSkipped,
    seconds: (performance.now() - started) / 1000,
    cached,
  };
}

interface Unit {
  kind: SourceFile['kind'];
  files: SourceFile[];
}

/**
 * The pool's sources in decode order: each 2D file and each volume alone, the DICOM files of one
 * folder together (a series or several) at the place of the folder's first file. Samples are
 * numbered in this order, so ingest shards split this list into contiguous ranges and the merged
 * cache numbers its samples as an unsharded ingest does.
 */
export function sourceGroups(files: readonly SourceFile[]): SourceFile[][] {
  const groups: SourceFile[][] = [];
  const dicomByFolder = new Map<string, SourceFile[]>();
  for (const f of files) {
    if (f.kind !== 'dicom') {
      groups.push([f]);
      continue;
    }
    const folder = path.dirname(f.path);
    const group = dicomByFolder.get(folder);
    if (group) group.push(f);
    else {
      const created = [f];
      dicomByFolder.set(folder, created);
      groups.push(created);
    }
  }
  return groups;
}

/** The units decoded one at a time: the source groups, with consecutive 2D files in batches. */
function groupUnits(files: readonly SourceFile[]): Unit[] {
  const units: Unit[] = [];
  for (const group of sourceGroups(files)) {
    const last = units[units.length - 1];
    const kind = group[0].kind;
    if (kind === 'raster' && last?.kind === 'raster' && last.files.length < RASTER_UNIT) last.files.push(...group);
    else units.push({ kind, files: [...group] });
  }
  return units;
}

/**
 * Starts `start(item)` for up to `window` items ahead and hands each outcome to `consume` in the
 * items' order, so decoding overlaps storing while the output order stays deterministic.
 */
export async function mapInOrder<T, R>(
  items: readonly T[],
  window: number,
  start: (item: T) => Promise<R>,
  consume: (item: T, outcome: PromiseSettledResult<R>, index: number) => Promise<void>,
): Promise<void> {
  const pending: Array<Promise<PromiseSettledResult<R>> | undefined> = [];
  const settle = (work: Promise<R>): Promise<PromiseSettledResult<R>> =>
    work.then(
      (value) => ({ status: 'fulfilled', value }),
      (reason: unknown) => ({ status: 'rejected', reason }),
    );
  let next = 0;
  for (let i = 0; i < items.length; i++) {
    while (next < items.length && next < i + window) {
      const item = items[next++];
      pending.push(settle(Promise.resolve().then(() => start(item))));
    }
    const outcome = await pending[i]!;
    pending[i] = undefined;
    await consume(items[i], outcome, i);
  }
}

/** Thumbnails from an existing cache (when only they were deleted). */
async function rebuildThumbnails(runDir: string): Promise<void> {
  const cache = await openCache(runDir);
  try {
    await rebuildBeside(runDir, [THUMBS_DIR], async (staging) => {
      const thumbs = new ThumbnailWriter(staging, cache.imageSize);
      const pixelsPerSample = cache.imageSize * cache.imageSize;
      for await (const batch of cache.batches({ batchSize: 256 })) {
        for (const [i, id] of batch.ids.entries())
          await thumbs.add(id, batch.pixels.subarray(i * pixelsPerSample, (i + 1) * pixelsPerSample));
      }
      await thumbs.finish();
    });
  } finally {
    await cache.close();
  }
}
