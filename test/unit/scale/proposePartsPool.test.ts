/**
 * A propose part is checked against the pool before it is merged: a key patch naming a sample not
 * of the pool or not of the part's shard, a box outside the image, or a user box's place claimed
 * twice is refused, naming the shard's file and the field, instead of landing in key-patches.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KeyPatch } from '../../../src/shared/artifacts';
import { mergeProposeParts, writeProposePart } from '../../../src/engine/scale/proposeParts';
import type { PartExpectations } from '../../../src/engine/scale/parts';

const expected: PartExpectations = {
  pool: { contentHash: 'c'.repeat(64), size: 4 },
  checkpoint: { name: 'pretrain', hash: 'h'.repeat(64) },
};
const pool = { size: 4, imageSize: 32 };
const rerun = (shard: string) => `optidel propose --run RUN --shard ${shard}`;
const patch = (sampleId: number, origin: KeyPatch['origin'] = 'auto', box: KeyPatch['box'] = [0, 0, 8, 8]) => ({
  id: 0,
  sampleId,
  box,
  origin,
});

/** A run folder with the two propose parts of a 4-sample pool (samples 0-1 and 2-3). */
async function runWith(parts: [KeyPatch[], number[]][]): Promise<string> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-propose-parts-'));
  for (const [index, [patches, userOrder]] of parts.entries())
    await writeProposePart(
      runDir,
      { index, count: parts.length },
      expected,
      {},
      { proposer: 'p', patches: patches.map((p, id) => ({ ...p, id })), userOrder },
      [],
    );
  return runDir;
}

async function refusal(parts: [KeyPatch[], number[]][]): Promise<string> {
  const runDir = await runWith(parts);
  try {
    await mergeProposeParts(runDir, expected, pool, rerun);
  } catch (err) {
    return (err as Error).message;
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
  return assert.fail('the merge should refuse');
}

test('good parts merge: ours in shard order, then the user boxes in their file order', async () => {
  const runDir = await runWith([
    [[patch(0), patch(1, 'user')], [1]],
    [[patch(3), patch(2, 'user')], [0]],
  ]);
  const { file } = await mergeProposeParts(runDir, expected, pool, rerun);
  assert.deepEqual(
    file.patches.map((p) => [p.id, p.sampleId, p.origin]),
    [
      [0, 0, 'auto'],
      [1, 3, 'auto'],
      [2, 2, 'user'],
      [3, 1, 'user'],
    ],
  );
  fs.rmSync(runDir, { recursive: true, force: true });
});

test('a patch of a sample outside the pool is refused, naming the shard file and the field', async () => {
  const message = await refusal([
    [[patch(0)], []],
    [[patch(99)], []],
  ]);
  assert.match(
    message,
    /parts\/propose\/00001-of-00002\/key-patches\.jsonl: .*line 1: "sampleId" holds 99, not a pool sample id \(0 to 3\)/,
  );
});

test('a patch box outside the image is refused', async () => {
  const message = await refusal([
    [[patch(0, 'auto', [30, 0, 8, 8])], []],
    [[patch(2)], []],
  ]);
  assert.match(
    message,
    /00000-of-00002\/key-patches\.jsonl: .*line 1: "box" is \[30,0,8,8\], not a box inside the 32 px image/,
  );
});

test("a patch of another shard's sample (one sample in two parts) is refused", async () => {
  const message = await refusal([
    [[patch(0), patch(2)], []],
    [[patch(2)], []],
  ]);
  assert.match(
    message,
    /00000-of-00002\/key-patches\.jsonl: line 2: "sampleId" holds 2, not a sample of shard 0\/2 \(0 to 1\)/,
  );
});

test("a user box's place claimed by two parts, or a userOrder that does not match, is refused", async () => {
  const twice = await refusal([
    [[patch(0, 'user')], [0]],
    [[patch(2, 'user')], [0]],
  ]);
  assert.match(twice, /00001-of-00002\/key-patches\.json: "userOrder" holds 0 twice \(shard 0\/2 claims it too\)/);
  const short = await refusal([
    [[patch(0, 'user')], []],
    [[patch(2)], []],
  ]);
  assert.match(short, /00000-of-00002\/key-patches\.json: "userOrder" must hold one whole number per user patch \(1\)/);
});
