// One measurement of scripts/bench/cache-index.mjs, in its own process so its peak memory is its
// own. `write N DIR`: streams N synthetic cache samples (provenance as a volume ingest writes it)
// through CacheIndexWriter into DIR. `scan DIR`: reads them back line by line (readJsonLines),
// keeping nothing: what a reader that needs one pass costs. `load DIR`: readCacheIndexFile, every
// sample in memory, as the engine's export and views hold them, and (with --expose-gc) what it keeps
// alive. `positions DIR`: readCachePositionsFile, the header and where each sample lies, as the
// stages' pixel readers (openCache) and scoring threads hold them.
// `write-patches N DIR` and `load-patches DIR`: the same for the key patches of N samples, two
// windows each as the propose stage writes them (readKeyPatchesFile, as selection holds them).
// Prints one JSON line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../src/shared/artifacts';
import { CacheIndexWriter, readCacheIndexFile, readCachePositionsFile } from '../../src/shared/node/cacheIndexFile';
import { readJsonLines } from '../../src/shared/node/jsonLines';
import { keyPatchLines, readKeyPatchesFile, writeKeyPatchesFile } from '../../src/shared/node/keyPatchesFile';

const [mode, arg1, arg2] = process.argv.slice(2);

async function write(n: number, dir: string) {
  const perShard = 1024;
  const writer = new CacheIndexWriter(dir);
  for (let id = 0; id < n; id++) {
    const volume = Math.floor(id / 200);
    await writer.add({
      id,
      shard: Math.floor(id / perShard),
      offset: id % perShard,
      source: `/shared/pool/site-${volume % 40}/patient-${String(volume).padStart(7, '0')}/ct.nii.gz`,
      axis: 2,
      slice: id % 200,
      originalSize: [512, 512],
      intensity: 'ct-window L40 W400',
    });
  }
  const shards = Array.from({ length: Math.ceil(n / perShard) }, (_, k) => ({
    file: `cache/shard-${String(k).padStart(5, '0')}.bin`,
    count: Math.min(perShard, n - k * perShard),
  }));
  await writer.finish({
    imageSize: 64,
    channels: 1,
    contentHash: 'synthetic',
    shards,
    skipped: [],
    emptySlicesSkipped: 0,
  });
  return { bytes: fs.statSync(path.join(dir, ARTIFACTS.cacheSamples)).size };
}

async function scan(dir: string) {
  let count = 0;
  let slices = 0;
  for await (const sample of readJsonLines(path.join(dir, ARTIFACTS.cacheSamples))) {
    count++;
    slices += (sample as { slice: number }).slice;
  }
  return { count, slices };
}

/** The heap and the array buffers outside it (typed arrays keep their values there). */
function used(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** What `read`'s `count` records keep alive, the garbage of the parse collected (with --expose-gc). */
async function kept<T>(read: () => Promise<T>, count: (records: T) => number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = used();
  const records = await read();
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  gc?.();
  const live = used() - before;
  const n = count(records);
  return { count: n, heapMiB, ...(gc ? { liveHeapMiB: live / 2 ** 20, liveBytesPerRecord: live / n } : {}) };
}

async function writePatches(n: number, dir: string) {
  // Two of the nine windows of half the image side, as propose's error windows pick them.
  const patches = Array.from({ length: 2 * n }, (_, id) => ({
    id,
    sampleId: id >> 1,
    box: [16 * ((id * 7) % 3), 16 * ((id * 5) % 3), 32, 32] as [number, number, number, number],
    origin: 'auto' as const,
    difficulty: 1 + ((id * 0.618) % 1),
  }));
  await writeKeyPatchesFile(dir, ARTIFACTS.keyPatches, { proposer: 'synthetic', patches });
  return { bytes: fs.statSync(path.join(dir, keyPatchLines(ARTIFACTS.keyPatches))).size };
}

async function main() {
  const started = performance.now();
  const result =
    mode === 'write'
      ? await write(Number(arg1), arg2)
      : mode === 'scan'
        ? await scan(arg1)
        : mode === 'load'
          ? await kept(
              async () => (await readCacheIndexFile(arg1)).samples,
              (samples) => samples.length,
            )
          : mode === 'positions'
            ? await kept(
                () => readCachePositionsFile(arg1),
                (index) => index.positions.shard.length,
              )
            : mode === 'write-patches'
              ? await writePatches(Number(arg1), arg2)
              : await kept(
                  async () => (await readKeyPatchesFile(arg1, ARTIFACTS.keyPatches, { warn: console.error })).patches,
                  (patches) => patches.length,
                );
  process.stdout.write(`${JSON.stringify({ ...result, seconds: (performance.now() - started) / 1000 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
