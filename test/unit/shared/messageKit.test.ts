/** The message kit the three channels share: field readers that name the bad field, and the request tracker. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fieldReaders, PendingRequests } from '../../../src/shared/messageKit';

class ChannelError extends Error {}
const read = fieldReaders((message) => new ChannelError(message), 'test message');

test("each reader accepts its kind and throws the channel's error naming the field", () => {
  const o = read.object({ s: 'a', n: 1.5, i: 3, b: false, k: 'two', ids: [3, 1, 3] }, 'message');
  assert.equal(read.string(o, 's'), 'a');
  assert.equal(read.number(o, 'n'), 1.5);
  assert.equal(read.id(o, 'i'), 3);
  assert.equal(read.boolean(o, 'b'), false);
  assert.equal(read.oneOf(o, 'k', ['one', 'two']), 'two');
  assert.deepEqual(read.idList(o, 'ids', 10), [1, 3]);
  assert.equal(read.optionalString(o, 'missing'), undefined);
  assert.equal(read.optionalId(o, 'missing'), undefined);
  const bad: Array<[() => unknown, RegExp]> = [
    [() => read.object([], 'message'), /^message must be an object$/],
    [() => read.object(null, 'message'), /must be an object/],
    [() => read.string({ s: 1 }, 's'), /^"s" must be a string$/],
    [() => read.string({ s: 'x'.repeat(11) }, 's', { maxLength: 10 }), /"s"/],
    [() => read.string({ s: '../x' }, 's', { pattern: /^\w+$/, what: 'a name' }), /^"s" must be a name$/],
    [() => read.number({ n: Number.NaN }, 'n'), /"n" must be a number/],
    [() => read.id({ i: -1 }, 'i'), /"i" must be a non-negative integer/],
    [() => read.id({ i: 1.5 }, 'i'), /"i" must be a non-negative integer/],
    [() => read.id({ i: '1' }, 'i'), /"i" must be a non-negative integer/],
    [() => read.boolean({ b: 'true' }, 'b'), /"b" must be a boolean/],
    [() => read.oneOf({ k: 'three' }, 'k', ['one', 'two']), /"k" must be one of one, two/],
    [() => read.idList({ ids: [1, -2] }, 'ids', 10), /"ids" must hold non-negative integer ids, got -2/],
    [() => read.idList({ ids: [1, 2, 3] }, 'ids', 2), /at most 2/],
  ];
  for (const [call, message] of bad)
    assert.throws(call, (err: unknown) => err instanceof ChannelError && message.test(err.message), String(call));
  assert.match(read.unknownType({ type: 'eval' }).message, /^unknown test message type "eval"$/);
});

test('requests pair with their answers, strays and late answers are ignored, timeouts fail with the reason', async () => {
  const requests = new PendingRequests<string, { what: string }>();
  const first = requests.create({ what: 'a' });
  const second = requests.create({ what: 'b' }, { ms: 1000, reason: 'too slow' });
  assert.deepEqual([first.id, second.id], [1, 2]);
  assert.deepEqual(requests.get(second.id), { what: 'b' });
  requests.answer(99, 'stray');
  requests.answer(second.id, 'B');
  requests.answer(second.id, 'again');
  requests.answer(first.id, 'A');
  assert.deepEqual([await first.reply, await second.reply], ['A', 'B']);
  assert.equal(requests.size, 0);
  assert.equal(requests.get(first.id), undefined);

  const slow = requests.create({ what: 'slow' }, { ms: 10, reason: 'no answer within 10 ms' });
  await assert.rejects(slow.reply, /no answer within 10 ms/);
  requests.answer(slow.id, 'late');
  const c = requests.create({ what: 'c' });
  const d = requests.create({ what: 'd' });
  requests.failAll((meta) => new Error(`${meta.what} ended`));
  await assert.rejects(c.reply, /c ended/);
  await assert.rejects(d.reply, /d ended/);
  assert.deepEqual(requests.ids(), []);
});

test('ids can come from a count shared by several trackers', () => {
  let next = 7;
  const shared = () => next++;
  const one = new PendingRequests<number>(shared);
  const two = new PendingRequests<number>(shared);
  assert.deepEqual([one.create(undefined).id, two.create(undefined).id, one.create(undefined).id], [7, 8, 9]);
});
