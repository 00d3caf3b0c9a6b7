/**
 * Propose scores its patches a group at a time as they are proposed and written: the scores, ids
 * and order equal one pass over all of them, bit for bit, and no group is larger than asked.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { KeyPatch } from '../../../src/shared/artifacts';
import { scoreBoxes, type ScoreOptions } from '../../../src/engine/model/scoring';
import { scoredPatches } from '../../../src/engine/pipeline/proposeStage';
import { useTinyRunWithModel } from '../model/helpers';

const tiny = useTinyRunWithModel();

type Box = [number, number, number, number];

test('patches scored in groups as they come equal one pass over all of them, user boxes last, ids continuing', async () => {
  const options: ScoreOptions = { masks: 2, seed: 3, batchSize: 4 };
  const half = tiny.cache.imageSize / 2;
  // Two windows a sample, in batches of three samples, as the proposer yields them.
  const windows = (sampleId: number, id: number): KeyPatch[] =>
    [[0, 0, half, half] as Box, [half, half, half, half] as Box].map((box, k) => ({
      id: id + k,
      sampleId,
      box,
      origin: 'auto',
      difficulty: undefined,
    }));
  const samples = Array.from({ length: tiny.cache.size }, (_, i) => i);
  async function* auto() {
    for (let first = 0; first < samples.length; first += 3)
      yield { patches: samples.slice(first, first + 3).flatMap((id) => windows(id, 2 * id)) };
  }
  const user = [
    { sampleId: 1, box: [1, 1, 6, 6] as Box },
    { sampleId: 0, box: [2, 3, 5, 4] as Box },
    { sampleId: tiny.cache.size - 1, box: [0, 0, tiny.cache.imageSize, tiny.cache.imageSize] as Box },
  ];

  // One pass over all: what propose computed before it streamed.
  const all: KeyPatch[] = samples.flatMap((id) => windows(id, 2 * id));
  user.forEach((b) => all.push({ id: all.length, ...b, origin: 'user', difficulty: undefined }));
  const once = await scoreBoxes(tiny.model, tiny.cache, all, options);

  // Eight at a time: two scoring batches a group, and a count of patches that is not a multiple of it.
  assert.notEqual(all.length % 8, 0);
  const groups: number[] = [];
  const tally = { patches: 0, auto: 0, difficultySum: 0 };
  const streamed: KeyPatch[] = [];
  const score = (patches: KeyPatch[]) => {
    groups.push(patches.length);
    return scoreBoxes(tiny.model, tiny.cache, patches, options);
  };
  for await (const patch of scoredPatches(auto(), user, score, tally, 8)) streamed.push(patch);

  assert.deepEqual(
    streamed.map((p) => [p.id, p.sampleId, p.box, p.origin]),
    all.map((p) => [p.id, p.sampleId, p.box, p.origin]),
  );
  assert.deepEqual(
    Float32Array.from(streamed, (p) => p.difficulty!),
    once,
    'the same scores to the bit',
  );
  assert.ok(new Set(once).size > 1, 'the scores vary: the comparison is not vacuous');
  assert.ok(
    groups.every((n) => n <= 8),
    `no group above 8: ${groups.join(', ')}`,
  );
  assert.ok(groups.length > 2);
  assert.deepEqual(
    { patches: tally.patches, auto: tally.auto },
    { patches: all.length, auto: all.length - user.length },
  );
  assert.ok(Math.abs(tally.difficultySum - once.reduce((s, v) => s + v, 0)) < 1e-9);
});
