/**
 * The streamed cache index (cacheIndexFile.ts over jsonLines.ts): with chunks of a few bytes, so
 * that every line and many multi-byte characters straddle a chunk boundary, what is written reads
 * back equal; version 1 indexes still read; damaged or unknown ones are refused with the file named.
 * And the Float32 artifacts, read in chunks past readFile's 2 GiB limit.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CacheIndex, CacheSample } from '../../../src/shared/artifacts';
import { CacheIndexWriter, readCacheIndexFile, readCachePositionsFile } from '../../../src/shared/node/cacheIndexFile';
import { readFloat32File } from '../../../src/shared/node/float32File';
import { JsonLinesWriter, readJsonLines } from '../../../src/shared/node/jsonLines';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-cache-index-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const HEADER = {
  imageSize: 16,
  channels: 1 as const,
  contentHash: 'abc',
  shards: [{ file: 'cache/shard-00000.bin', count: 40 }],
  skipped: [{ path: '/pool/bad.png', reason: 'unreadable' }],
  emptySlicesSkipped: 3,
};

function samples(n: number): CacheSample[] {
  return Array.from({ length: n }, (_, id) => ({
    id,
    shard: 0,
    offset: id,
    // Two- and three-byte characters, so chunk boundaries fall inside them.
    source: `/pool/patient-é-${id % 3}/患者-${id}.nii.gz`,
    ...(id % 2 ? { axis: 2 as const, slice: id } : { acquisition: `group:${id % 5}` }),
    originalSize: [64, 48] as [number, number],
    intensity: 'percentile 0.5-99.5',
  }));
}

async function writeIndex(dir: string, list: CacheSample[], chunkBytes: number, header = HEADER) {
  const writer = new CacheIndexWriter(dir, chunkBytes);
  for (const s of list) await writer.add(s);
  return writer.finish(header);
}

test('written and read in chunks of 5 and 7 bytes, the index and its samples round-trip', async () => {
  const dir = path.join(root, 'round-trip');
  const list = samples(40);
  const header = await writeIndex(dir, list, 7);
  assert.equal(header.sampleCount, 40);
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'cache/index.json'), 'utf8'));
  assert.equal(index.version, 2);
  assert.equal(index.samples, undefined, 'the index holds no samples');
  assert.equal(fs.readFileSync(path.join(dir, 'cache/samples.jsonl'), 'utf8').trim().split('\n').length, 40);
  const read = await readCacheIndexFile(dir, 5);
  assert.deepEqual(read, { ...HEADER, version: 2, samples: list } satisfies CacheIndex);
});

test('the slices of a volume share one size pair, frozen, and keep their own values', async () => {
  const dir = path.join(root, 'shared');
  const list = samples(6).map((s, id) => ({ ...s, originalSize: [64, id < 4 ? 48 : 32] as [number, number] }));
  // A hand-edited line whose size is not two numbers is kept as it is, never merged with another.
  const odd = { ...list[5], originalSize: ['64x4', 8] as unknown as [number, number] };
  await writeIndex(dir, [...list.slice(0, 5), odd], 64);
  const read = (await readCacheIndexFile(dir)).samples;
  assert.deepEqual(read, [...list.slice(0, 5), odd], 'the same values as written');
  assert.equal(read[0].originalSize, read[3].originalSize, 'one pair for the same size');
  assert.notEqual(read[3].originalSize, read[4].originalSize);
  assert.ok(Object.isFrozen(read[0].originalSize), "changing one sample's size would change them all");
  assert.throws(() => {
    read[0].originalSize[0] = 1;
  }, TypeError);
  assert.deepEqual(read[1].originalSize, [64, 48]);
  // Version 1 indexes are read through the same sharing.
  const v1 = path.join(root, 'shared-v1');
  fs.mkdirSync(path.join(v1, 'cache'), { recursive: true });
  fs.writeFileSync(path.join(v1, 'cache/index.json'), JSON.stringify({ ...HEADER, version: 1, samples: list }));
  const old = (await readCacheIndexFile(v1)).samples;
  assert.equal(old[0].originalSize, old[2].originalSize);
});

test('a version 1 index (samples inline) still reads', async () => {
  const dir = path.join(root, 'v1');
  const v1: CacheIndex = { ...HEADER, version: 1, samples: samples(4) };
  fs.mkdirSync(path.join(dir, 'cache'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'cache/index.json'), JSON.stringify(v1));
  assert.deepEqual(await readCacheIndexFile(dir), v1);
});

test("the positions reader keeps each sample's shard and offset, in shared memory, and the header as the full reader reads it", async () => {
  const dir = path.join(root, 'positions');
  // Two shards, the second shorter, as a pool that does not fill its last shard.
  const header = { ...HEADER, shards: [HEADER.shards[0], { file: 'cache/shard-00001.bin', count: 15 }] };
  const list = samples(2000).map((s) => ({
    ...s,
    shard: s.id < 1985 ? 0 : 1,
    offset: s.id < 1985 ? s.id : s.id - 1985,
  }));
  header.shards[0] = { ...header.shards[0], count: 1985 };
  await writeIndex(dir, list, 64, header);
  const { positions, ...rest } = await readCachePositionsFile(dir, 5);
  const { samples: _samples, ...full } = await readCacheIndexFile(dir);
  assert.deepEqual(rest, full);
  assert.deepEqual(
    Array.from(positions.shard),
    list.map((s) => s.shard),
  );
  assert.deepEqual(
    Array.from(positions.offset),
    list.map((s) => s.offset),
  );
  assert.ok(
    positions.shard.buffer instanceof SharedArrayBuffer && positions.offset.buffer instanceof SharedArrayBuffer,
  );
  // Version 1 too.
  const v1 = path.join(root, 'positions-v1');
  fs.mkdirSync(path.join(v1, 'cache'), { recursive: true });
  fs.writeFileSync(path.join(v1, 'cache/index.json'), JSON.stringify({ ...header, version: 1, samples: list }));
  assert.deepEqual(
    Array.from((await readCachePositionsFile(v1)).positions.offset),
    list.map((s) => s.offset),
  );
});

test('a sample placed outside the shards is refused by both readers, naming its line', async () => {
  const dir = path.join(root, 'misplaced');
  const cases: Array<[Partial<CacheSample>, RegExp]> = [
    [{ shard: 1 }, /line 3: "shard" 1 is not one of the 1 shards; delete the cache/],
    [{ shard: -1 }, /line 3: "shard" -1 is not one of the 1 shards/],
    [{ offset: 40 }, /line 3: "offset" 40 is not a place in shard 0/],
    [{ offset: 1.5 }, /line 3: "offset" 1.5 is not a place in shard 0/],
    [{ offset: '2' as unknown as number }, /line 3: "offset" "2" is not a place in shard 0/],
  ];
  for (const [change, message] of cases) {
    const list = samples(6);
    list[2] = { ...list[2], ...change };
    await writeIndex(dir, list, 64);
    await assert.rejects(readCacheIndexFile(dir), message, JSON.stringify(change));
    await assert.rejects(readCachePositionsFile(dir), message, JSON.stringify(change));
  }
  // A shard count past what positions can number would wrap an offset of 2^32 to sample 0's place
  // (a sparse shard file of that size costs nothing); a count that is no number is no place.
  for (const count of [2 ** 32, '6', 6.5, -1, undefined]) {
    const list = samples(6);
    list[2] = { ...list[2], offset: 2 ** 32 - 1 };
    await writeIndex(dir, list, 64, { ...HEADER, shards: [{ ...HEADER.shards[0], count: count as number }] });
    for (const read of [readCacheIndexFile, readCachePositionsFile])
      await assert.rejects(read(dir), /shards\[0\]\.count must be a whole number from 0 to 4294967295/, String(count));
  }
  await writeIndex(dir, samples(6), 64, { ...HEADER, shards: [null as unknown as CacheIndex['shards'][number]] });
  await assert.rejects(readCachePositionsFile(dir), /shards\[0\]\.count must be a whole number/);
});

test('a damaged or unknown index is refused, naming the file and the fix', async () => {
  const dir = path.join(root, 'damaged');
  await writeIndex(dir, samples(6), 64);
  const lines = path.join(dir, 'cache/samples.jsonl');
  const full = fs.readFileSync(lines, 'utf8').split('\n');
  fs.writeFileSync(lines, full.slice(0, 4).join('\n') + '\n');
  await assert.rejects(readCacheIndexFile(dir), /samples\.jsonl holds 4 samples, the index says 6; delete the cache/);
  fs.writeFileSync(lines, [full[0], '{"id": 1, "sour', ...full.slice(2)].join('\n'));
  await assert.rejects(readCacheIndexFile(dir), /samples\.jsonl: line 2 is not valid JSON/);
  fs.writeFileSync(lines, [full[0], full[2], full[1], ...full.slice(3)].join('\n'));
  await assert.rejects(readCacheIndexFile(dir), /line 2 is not sample 1/);
  const indexFile = path.join(dir, 'cache/index.json');
  // A count the file cannot hold is refused before the positions are sized by it (8 GB here).
  fs.writeFileSync(lines, full.join('\n'));
  fs.writeFileSync(indexFile, JSON.stringify({ ...HEADER, version: 2, sampleCount: 1e9 }));
  for (const read of [readCacheIndexFile, readCachePositionsFile])
    await assert.rejects(read(dir), /samples\.jsonl has \d+ bytes, too few for the 1000000000 samples the index says/);
  // Past what positions can number, whatever the file's size (a sparse one's costs nothing).
  fs.writeFileSync(indexFile, JSON.stringify({ ...HEADER, version: 2, sampleCount: 2 ** 32 }));
  await assert.rejects(readCachePositionsFile(dir), /"sampleCount" must be a whole number from 0 to 4294967295/);
  // A folder where a file should be is named, not a bare EISDIR.
  fs.renameSync(lines, `${lines}.kept`);
  fs.mkdirSync(lines);
  fs.writeFileSync(indexFile, JSON.stringify({ ...HEADER, version: 2, sampleCount: 6 }));
  await assert.rejects(
    readCachePositionsFile(dir),
    /index\.json: cache\/samples\.jsonl is not a file; delete the cache/,
  );
  fs.rmdirSync(lines);
  fs.renameSync(`${lines}.kept`, lines);
  fs.writeFileSync(indexFile, JSON.stringify({ ...HEADER, version: 3, sampleCount: 6 }));
  await assert.rejects(readCacheIndexFile(dir), /index\.json: cache index version 3 is not one this OptiDEL reads/);
});

test('an aborted writer leaves the file it would have replaced as it was, and no temporary file', async () => {
  const dir = path.join(root, 'abort');
  const file = path.join(dir, 'lines.jsonl');
  const first = new JsonLinesWriter(file, 3);
  for (const v of [1, 'two', { three: 3 }]) await first.add(v);
  await first.finish();
  const second = new JsonLinesWriter(file, 3);
  for (let i = 0; i < 100; i++) await second.add({ i });
  await second.abort();
  const back: unknown[] = [];
  for await (const v of readJsonLines(file, 2)) back.push(v);
  assert.deepEqual(back, [1, 'two', { three: 3 }]);
  assert.deepEqual(fs.readdirSync(dir), ['lines.jsonl']);
});

test('a Float32 file read in chunks of 12 bytes (not a multiple of its size) round-trips; a torn one is refused', async () => {
  const file = path.join(root, 'values.f32');
  const values = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 1e3);
  fs.writeFileSync(file, new Uint8Array(values.buffer));
  assert.deepEqual(await readFloat32File(file, undefined, 12), values);
  assert.deepEqual(await readFloat32File(file, { length: 1001, fix: 'unused' }, 12), values);
  fs.writeFileSync(file, new Uint8Array(values.buffer).subarray(0, 4002));
  await assert.rejects(readFloat32File(file, undefined, 12), /values\.f32 is not a Float32 file \(4002 bytes\)/);
});

test('a Float32 file of the wrong length is refused by its size, before a byte is read or allocated', async () => {
  const file = path.join(root, 'sparse.f32');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, 3 * 2 ** 30); // 3 GiB on paper, a few bytes on disk
  await assert.rejects(
    readFloat32File(file, { length: 10, fix: 'score again' }),
    /sparse\.f32: holds 805306368 float32 values, expected 10; score again/,
  );
});
