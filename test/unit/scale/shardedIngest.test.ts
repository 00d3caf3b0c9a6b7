/**
 * A pool ingested in 4 shards and merged gives every sample the id, provenance, pixels and
 * thumbnail an unsharded ingest gives it, under the same content hash; merge refuses, naming the
 * shard, a part that is missing, duplicated, or decoded from another pool or config.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ThumbnailAtlasIndex } from '../../../src/shared/artifacts';
import type { RunRecord } from '../../../src/shared/runRecord';
import { cacheContent } from '../../helpers/cacheContent';
import { readShardProgress, shardRanges } from '../../../src/shared/node/shardProgress';
import { runCli } from '../../helpers/engine';
import { makeTinyDemo } from '../../helpers/tinyRun';

const SHARDS = 4;
let root: string;
let configFile: string;
let whole: string;
let sharded: string;

function cli(args: string[]): Record<string, unknown> {
  const r = runCli([...args, '--json']);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.json!;
}
const failing = (args: string[]) => {
  const r = runCli(args);
  assert.notEqual(r.status, 0, `${args.join(' ')} should fail`);
  return r.stderr;
};
const ingestShard = (i: number, config = configFile) =>
  cli(['ingest', '--config', config, '--out', sharded, '--shard', `${i}/${SHARDS}`]);
const readJson = <T>(dir: string, file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as T;
const part = (i: number) => path.join(sharded, 'parts/ingest', `${String(i).padStart(5, '0')}-of-0000${SHARDS}`);

/** Each sample's thumbnail pixels, cut from its atlas. */
async function thumbnails(dir: string): Promise<Map<string, Buffer>> {
  const index = readJson<ThumbnailAtlasIndex>(dir, 'thumbs/index.json');
  const atlases = await Promise.all(
    index.atlases.map((a) =>
      sharp(path.join(dir, 'thumbs', a))
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true }),
    ),
  );
  const out = new Map<string, Buffer>();
  for (const [id, [atlas, column, row]] of Object.entries(index.positions)) {
    const { data, info } = atlases[atlas];
    const rows = Array.from({ length: index.size }, (_, r) => {
      const start = (row * index.size + r) * info.width + column * index.size;
      return data.subarray(start, start + index.size);
    });
    out.set(id, Buffer.concat(rows));
  }
  return out;
}

before(() => {
  ({ root, configFile } = makeTinyDemo());
  whole = path.join(root, 'whole');
  sharded = path.join(root, 'sharded');
  cli(['ingest', '--config', configFile, '--out', whole]);
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('ingest in 4 shards, merged, holds the samples, pixels and thumbnails of an unsharded ingest', async () => {
  const sizes = Array.from({ length: SHARDS }, (_, i) => ingestShard(i).samples as number);
  assert.ok(sizes.filter((n) => n > 0).length > 1, `the shards split the pool: ${sizes}`);
  assert.equal(fs.existsSync(path.join(sharded, 'cache')), false, 'a shard writes only its part');
  const merged = cli(['merge', '--run', sharded]) as { stages: Array<{ stage: string; shards: number }> };
  assert.deepEqual(
    merged.stages.map((s) => [s.stage, s.shards]),
    [['ingest', SHARDS]],
  );
  const a = await cacheContent(whole);
  const b = await cacheContent(sharded);
  assert.equal(
    b.samples.length,
    sizes.reduce((s, n) => s + n, 0),
  );
  assert.deepEqual(b.samples, a.samples);
  assert.ok(b.pixels.equals(a.pixels), 'the pixels in id order differ from the unsharded cache');
  for (const key of ['contentHash', 'imageSize', 'skipped', 'emptySlicesSkipped'] as const)
    assert.deepEqual(b.index[key], a.index[key], key);
  assert.deepEqual(await thumbnails(sharded), await thumbnails(whole));
  assert.deepEqual(readJson(sharded, 'config.json'), readJson(whole, 'config.json'));
  assert.equal(readJson<RunRecord>(sharded, 'run.json').stages.ingest?.status, 'done');
  // The merged cache is the pool's cache: an unsharded ingest now reuses it, and merge leaves it be.
  assert.equal(cli(['ingest', '--config', configFile, '--out', sharded]).cached, true);
  assert.match(failing(['merge', '--run', sharded]), /holds no parts/);
});

test('merge refuses, naming the shard, an ingest part that is missing, duplicated, or from another config', async () => {
  const merge = ['merge', '--run', sharded, '--stage', 'ingest'];
  fs.rmSync(path.join(part(2), 'part.json'));
  assert.match(failing(merge), /shard 2\/4 is missing: .*part\.json was never written/);
  // What "OptiDEL: Show Sharded Progress" shows for it.
  assert.deepEqual(await readShardProgress(sharded), [{ stage: 'ingest', count: 4, done: [0, 1, 3], missing: [2] }]);
  assert.equal(shardRanges([0, 1, 2, 5, 7, 8]), '0-2, 5, 7-8');

  fs.rmSync(part(3), { recursive: true });
  fs.cpSync(part(1), part(3), { recursive: true });
  const duplicated = failing(merge);
  assert.match(duplicated, /shard 1\/4 is duplicated/);
  assert.match(duplicated, /shard 3\/4 is missing .*optidel ingest --config .* --out .* --shard 3\/4/);
  // The run's cache is what the last merge left: a refused merge writes nothing.
  assert.deepEqual((await cacheContent(sharded)).samples, (await cacheContent(whole)).samples);

  // Shard 2 decoded with another setting: another content hash, and other settings than shard 0's.
  const other = path.join(path.dirname(configFile), 'other.json');
  fs.writeFileSync(other, JSON.stringify({ ...readJson(path.dirname(configFile), 'optidel.json'), imageSize: 16 }));
  ingestShard(2, other);
  ingestShard(3);
  const mismatched = failing(merge);
  assert.match(mismatched, /shard 2\/4 was made from another pool/);
  assert.match(mismatched, /shard 2\/4 was made with other settings than shard 0\/4 \(sampling/);
  ingestShard(2);
  cli(merge);
});
