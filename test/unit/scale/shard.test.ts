/** Which shard a job is, from --shard or the scheduler's environment, and which samples it holds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveShard, shardIds, shardRange } from '../../../src/engine/scale/shard';

test('--shard i/n is taken as given; without --shard nothing is sharded, whatever the environment says', () => {
  assert.deepEqual(resolveShard('2/5', {}, 'score'), { index: 2, count: 5 });
  assert.equal(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' }, 'score'), undefined);
  for (const bad of ['5/5', '1/0', '-1/4', 'a/b', '1-4'])
    assert.throws(() => resolveShard(bad, {}, 'score'), /score: .*(--shard|shard)/, bad);
});

test('--shard auto reads a Slurm array task (counted from its minimum) or a Kubernetes completion index', () => {
  const slurm = { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' };
  assert.deepEqual(resolveShard('auto', slurm, 'score'), { index: 2, count: 4 });
  assert.deepEqual(resolveShard('auto', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4' }, 'score'), {
    index: 0,
    count: 4,
  });
  assert.deepEqual(resolveShard('auto', { JOB_COMPLETION_INDEX: '7', OPTIDEL_SHARD_COUNT: '8' }, 'propose'), {
    index: 7,
    count: 8,
  });
  assert.throws(() => resolveShard('auto', { JOB_COMPLETION_INDEX: '7' }, 'propose'), /OPTIDEL_SHARD_COUNT/);
  assert.throws(() => resolveShard('auto', { SLURM_ARRAY_TASK_ID: '1' }, 'score'), /SLURM_ARRAY_TASK_COUNT/);
  assert.throws(() => resolveShard('auto', {}, 'score'), /SLURM_ARRAY_TASK_ID .* JOB_COMPLETION_INDEX/);
  assert.throws(() => resolveShard('auto', { JOB_COMPLETION_INDEX: '8', OPTIDEL_SHARD_COUNT: '8' }, 'score'), /8 of 8/);
});

test('shards are contiguous, as even as the pool allows, and hold every sample exactly once', () => {
  for (const [size, count] of [
    [58, 4],
    [3, 5],
    [1000, 7],
    [0, 2],
  ]) {
    const ids = Array.from({ length: count }, (_, index) => shardIds({ index, count }, size)).flat();
    assert.deepEqual(
      ids,
      Array.from({ length: size }, (_, i) => i),
      `${size} in ${count}`,
    );
    const sizes = Array.from({ length: count }, (_, index) => {
      const { start, end } = shardRange({ index, count }, size);
      return end - start;
    });
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${size} in ${count}: ${sizes.join(',')}`);
  }
});
