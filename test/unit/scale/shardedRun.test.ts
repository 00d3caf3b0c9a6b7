/**
 * A run scored and proposed in 4 shards and merged equals the same run done whole, byte for byte;
 * merge refuses parts that are missing, duplicated, or made with other settings or another checkpoint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SelectionFile } from '../../../src/shared/artifacts';
import type { RunRecord } from '../../../src/shared/runRecord';
import { readKeyPatchesFile } from '../../../src/shared/node/keyPatchesFile';
import { runCli } from '../../helpers/engine';
import { cloneRun, makeTinyRun, type TinyRun } from '../../helpers/tinyRun';

const SHARDS = 4;
const MERGED_FILES = [
  'scores/embeddings.f32',
  'scores/difficulty.f32',
  'scores/patch-errors.f32',
  'scores/projection.f32',
  'scores/scores.json',
  'patches/key-patches.json',
  'patches/key-patches.jsonl',
];
let run: TinyRun;
let whole: string;
let sharded: string;

function cli(args: string[]): Record<string, unknown> {
  const r = runCli([...args, '--json'], { timeoutMs: 120_000 });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.json!;
}
const failing = (args: string[]) => {
  const r = runCli(args, { timeoutMs: 120_000 });
  assert.notEqual(r.status, 0, `${args.join(' ')} should fail`);
  return r.stderr;
};
// Outside both run folders, so the proposer line (which names the file) is the same in both.
const userBoxes = () => path.join(run.root, 'boxes.json');
const shardRuns = (dir: string, stage: 'score' | 'propose', extra: string[] = []) => {
  for (let i = 0; i < SHARDS; i++) cli([stage, '--run', dir, '--shard', `${i}/${SHARDS}`, ...extra]);
};

before(() => {
  run = makeTinyRun();
  cli(['pretrain', '--run', run.runDir, '--preset', 'micro', '--steps', '6', '--batch-size', '8']);
  // User boxes out of sample order, so the merge must restore the file's order, not the shards'.
  fs.writeFileSync(
    userBoxes(),
    JSON.stringify({
      version: 1,
      units: 'cache',
      patches: [50, 3, 31, 3, 17].map((sampleId, k) => ({ sampleId, box: [k, 2, 12, 10] })),
    }),
  );
  whole = cloneRun(run, 'whole');
  sharded = cloneRun(run, 'sharded');
});
after(() => fs.rmSync(run.root, { recursive: true, force: true }));

test('score and propose in 4 shards, merged, write the bytes an unsharded run writes, and select the same', async () => {
  cli(['score', '--run', whole, '--difficulty', 'pvi']);
  cli(['propose', '--run', whole, '--user', userBoxes()]);
  shardRuns(sharded, 'score', ['--difficulty', 'pvi']);
  shardRuns(sharded, 'propose', ['--user', userBoxes()]);
  const merged = cli(['merge', '--run', sharded]) as { stages: Array<{ stage: string; shards: number }> };
  assert.deepEqual(
    merged.stages.map((s) => [s.stage, s.shards]),
    [
      ['score', SHARDS],
      ['propose', SHARDS],
    ],
  );
  for (const file of MERGED_FILES)
    assert.ok(
      fs.readFileSync(path.join(sharded, file)).equals(fs.readFileSync(path.join(whole, file))),
      `${file} differs from the unsharded run's`,
    );
  const { patches } = await readKeyPatchesFile(sharded, 'patches/key-patches.json', { warn: assert.fail });
  assert.deepEqual(
    patches.filter((p) => p.origin === 'user').map((p) => p.sampleId),
    [50, 3, 31, 3, 17],
  );
  const record = JSON.parse(fs.readFileSync(path.join(sharded, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.stages.score?.status, 'done');
  assert.equal(record.stages.propose?.status, 'done');
  for (const dir of [whole, sharded]) cli(['select', '--run', dir, '--method', 'optidel', '--budget', '0.2']);
  const selected = (dir: string) =>
    (JSON.parse(fs.readFileSync(path.join(dir, 'selection/optidel.json'), 'utf8')) as SelectionFile).selected;
  assert.deepEqual(selected(sharded), selected(whole));
});

test('merge refuses, naming the shard, a part that is missing, duplicated, or made with other settings, another runtime or another checkpoint', () => {
  const part = (i: number) => path.join(sharded, 'parts/score', `${String(i).padStart(5, '0')}-of-0000${SHARDS}`);
  const merge = ['merge', '--run', sharded, '--stage', 'score'];

  fs.rmSync(path.join(part(2), 'part.json'));
  assert.match(failing(merge), /shard 2\/4 is missing: .*part\.json was never written/);
  cli(['score', '--run', sharded, '--shard', '2/4', '--difficulty', 'pvi']);

  fs.cpSync(part(1), part(3), { recursive: true, force: true });
  const duplicated = failing(merge);
  assert.match(duplicated, /shard 1\/4 is duplicated/);
  assert.match(duplicated, /shard 3\/4 is missing .*optidel score --run .* --shard 3\/4/);

  cli(['score', '--run', sharded, '--shard', '3/4', '--difficulty', 'pvi', '--masks', '2']);
  assert.match(failing(merge), /shard 3\/4 was made with other settings than shard 0\/4 \(masks 2 vs 4\)/);
  cli(['score', '--run', sharded, '--shard', '3/4', '--difficulty', 'pvi']);
  cli(merge);

  // A part whose record says it was scored on the other runtime: its scores match only within rounding.
  const record = path.join(part(3), 'part.json');
  const scoredHere = fs.readFileSync(record, 'utf8');
  const parsed = JSON.parse(scoredHere) as { settings: Record<string, unknown> };
  assert.equal(parsed.settings.runtime, 'tfjs');
  fs.writeFileSync(record, JSON.stringify({ ...parsed, settings: { ...parsed.settings, runtime: 'onnxruntime' } }));
  assert.match(
    failing(merge),
    /shard 3\/4 was made with other settings than shard 0\/4 \(runtime "onnxruntime" vs "tfjs"\)/,
  );
  fs.writeFileSync(record, scoredHere);

  cli(['pretrain', '--run', sharded, '--preset', 'micro', '--steps', '2', '--batch-size', '8', '--fresh']);
  const stale = failing(merge);
  for (let i = 0; i < SHARDS; i++) assert.match(stale, new RegExp(`shard ${i}/4 was made with another checkpoint`));
});

test('merge refuses propose parts whose windows were cut from scores of different runtimes', () => {
  shardRuns(sharded, 'score', ['--difficulty', 'pvi']); // parts of the current checkpoint, which propose reads
  const scorePart = path.join(sharded, 'parts/score', `00003-of-0000${SHARDS}`, 'part.json');
  const scoredHere = fs.readFileSync(scorePart, 'utf8');
  const parsed = JSON.parse(scoredHere) as { facts: Record<string, unknown> };
  assert.equal(parsed.facts.runtime, 'tfjs');
  // Shard 3 scored on the other runtime proposes from its own part, the others from theirs.
  fs.writeFileSync(scorePart, JSON.stringify({ ...parsed, facts: { ...parsed.facts, runtime: 'onnxruntime' } }));
  try {
    shardRuns(sharded, 'propose', ['--user', userBoxes()]);
    assert.match(
      failing(['merge', '--run', sharded, '--stage', 'propose']),
      /shard 3\/4 was made with other settings than shard 0\/4 \(windowErrorsRuntime "onnxruntime" vs "tfjs"\)/,
    );
  } finally {
    fs.writeFileSync(scorePart, scoredHere);
  }
});

test('merge refuses a part.json that lacks what it reads, naming the shard and the field, and writes nothing', () => {
  const record = path.join(sharded, 'parts/score', `00002-of-0000${SHARDS}`, 'part.json');
  const made = fs.readFileSync(record, 'utf8');
  const parsed = JSON.parse(made) as Record<string, unknown>;
  const scores = path.join(sharded, 'scores/scores.json');
  const before = fs.readFileSync(scores, 'utf8');
  try {
    for (const [broken, field] of [
      [{ ...parsed, samples: undefined }, /"samples" needs whole numbers start and end/],
      [{ ...parsed, pool: { contentHash: 7, size: 1 } }, /"pool" needs a contentHash/],
      [{ ...parsed, settings: [] }, /"settings" must be an object/],
      [{ ...parsed, shard: { index: -1, count: 4 } }, /"shard" needs whole numbers/],
    ] as const) {
      fs.writeFileSync(record, JSON.stringify(broken));
      const stderr = failing(['merge', '--run', sharded, '--stage', 'score']);
      assert.match(stderr, /shard 2\/4: parts\/score\/00002-of-00004\/part\.json is not a score part record/);
      assert.match(stderr, field);
      assert.doesNotMatch(stderr, /TypeError/);
      assert.equal(fs.readFileSync(scores, 'utf8'), before, 'the merged scores are untouched');
    }
  } finally {
    fs.writeFileSync(record, made);
  }
});
