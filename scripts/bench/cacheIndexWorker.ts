// One measurement of scripts/bench/cache-index.mjs, in its own process so its peak memory is its
// own. `write N DIR`: streams N synthetic cache samples (provenance as a volume ingest writes it)
// through CacheIndexWriter into DIR. `scan DIR`: reads them back line by line (readJsonLines),
// keeping nothing: what a reader that needs one pass costs. `load DIR`: readCacheIndexFile, every
// sample in memory, as the engine's stages hold them today. Prints one JSON line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../src/shared/artifacts';
import { CacheIndexWriter, readCacheIndexFile } from '../../src/shared/node/cacheIndexFile';
import { readJsonLines } from '../../src/shared/node/jsonLines';

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

async function load(dir: string) {
  const index = await readCacheIndexFile(dir);
  return { count: index.samples.length, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 };
}

async function main() {
  const started = performance.now();
  const result =
    mode === 'write' ? await write(Number(arg1), arg2) : mode === 'scan' ? await scan(arg1) : await load(arg1);
  process.stdout.write(`${JSON.stringify({ ...result, seconds: (performance.now() - started) / 1000 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
