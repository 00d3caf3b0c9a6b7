// The rounds' schedule shared by `optidel train --rounds` and the bench's optidel-rounds arm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainInRounds } from '../../../src/engine/pipeline/collaborativeRounds';
import type { PretrainResult } from '../../../src/engine/model/pretrain';

test('each round trains its own set up to its share of one schedule, reselecting between rounds only', async () => {
  const calls: string[] = [];
  const logs: string[] = [];
  const { result, set } = await trainInRounds(
    'set1',
    {
      rounds: 3,
      steps: 10,
      train: async (s, until) => {
        calls.push(`train ${s} until ${until}`);
        return { steps: until } as PretrainResult;
      },
      reselect: async (round) => {
        calls.push(`reselect ${round}`);
        return `set${round}`;
      },
    },
    { log: (_level, message) => logs.push(message) },
    'bench',
  );
  // round(10 · 1/3) = 3, round(10 · 2/3) = 7, then the last step: the parts add up to the whole schedule.
  assert.deepEqual(calls, [
    'train set1 until 3',
    'reselect 2',
    'train set2 until 7',
    'reselect 3',
    'train set3 until 10',
  ]);
  assert.deepEqual([result.steps, set], [10, 'set3'], 'the last round is what is returned');
  assert.deepEqual(logs, [
    'bench: collaborative round 2 of 3: re-scoring the pool with the model being trained',
    'bench: collaborative round 3 of 3: re-scoring the pool with the model being trained',
  ]);
  // One round is plain training: never reselected.
  const one: string[] = [];
  await trainInRounds(
    'only',
    {
      rounds: 1,
      steps: 5,
      train: async (s, until) => (one.push(`${s} ${until}`), { steps: until } as PretrainResult),
      reselect: () => Promise.reject(new Error('no reselection with one round')),
    },
    { log: () => undefined },
    'train',
  );
  assert.deepEqual(one, ['only 5']);
  await assert.rejects(
    trainInRounds(
      'x',
      { rounds: 0, steps: 5, train: async () => ({}) as PretrainResult, reselect: async () => 'y' },
      { log: () => undefined },
      'train',
    ),
    /rounds must be at least 1/,
  );
});
