// appendAll takes the 200k key patches of a 100k-slice pool, where push(...items) overflowed the stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendAll } from '../../../src/shared/appendAll';

test('appendAll appends a million items in order, where spreading them into push overflows the stack', () => {
  const items = Array.from({ length: 1_000_000 }, (_, i) => i);
  assert.throws(() => [0].push(...items), RangeError, 'the spread this replaces fails at this size');
  const target = [-1];
  appendAll(target, items);
  assert.equal(target.length, 1_000_001);
  assert.deepEqual([target[0], target[1], target[1_000_000]], [-1, 0, 999_999]);
  const fromSet: string[] = [];
  appendAll(fromSet, new Set(['a', 'b']));
  assert.deepEqual(fromSet, ['a', 'b']);
});
