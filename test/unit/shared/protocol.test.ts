import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, parseEngineToHost, parseHostToEngine } from '../../../src/shared/protocol';

test('a well-formed request and cancel are accepted', () => {
  assert.deepEqual(parseHostToEngine({ type: 'request', id: 3, command: 'info', args: { matmulSize: 64 } }), {
    type: 'request',
    id: 3,
    command: 'info',
    args: { matmulSize: 64 },
  });
  assert.deepEqual(parseHostToEngine({ type: 'cancel', id: 3 }), { type: 'cancel', id: 3 });
});

test('malformed host messages are rejected with a ProtocolError that says what is wrong', () => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /must be an object/],
    ['info', /must be an object/],
    [[1, 2], /must be an object/],
    [{ type: 'launch' }, /unknown message type/],
    [{ type: 'request', id: 1, command: 'format-disk', args: {} }, /unknown command "format-disk"/],
    [{ type: 'request', id: -1, command: 'info', args: {} }, /"id" must be a non-negative integer/],
    [{ type: 'request', id: 1.5, command: 'info', args: {} }, /"id" must be a non-negative integer/],
    [{ type: 'request', id: 1, command: 'info', args: 'x' }, /args must be an object/],
    [{ type: 'cancel', id: '1' }, /"id" must be a non-negative integer/],
  ];
  for (const [raw, expected] of cases) {
    assert.throws(
      () => parseHostToEngine(raw),
      (err: unknown) => err instanceof ProtocolError && expected.test(err.message),
      JSON.stringify(raw),
    );
  }
});

test('engine events and replies are parsed, and bad ones rejected', () => {
  assert.deepEqual(parseEngineToHost({ type: 'progress', requestId: 1, stage: 'ingest', done: 2, total: 5 }), {
    type: 'progress',
    requestId: 1,
    stage: 'ingest',
    done: 2,
    total: 5,
    message: undefined,
  });
  const failed = parseEngineToHost({
    type: 'reply',
    id: 4,
    ok: false,
    error: { code: 'cancelled', message: 'stopped' },
  });
  assert.equal(failed.type === 'reply' && failed.error?.code, 'cancelled');
  assert.throws(() => parseEngineToHost({ type: 'log', level: 'shout', message: 'x' }), /"level" must be one of/);
  assert.throws(
    () => parseEngineToHost({ type: 'metric', requestId: 1, stage: 's', name: 'loss', value: Number.NaN }),
    /"value" must be a number/,
  );
  assert.throws(
    () => parseEngineToHost({ type: 'reply', id: 1, ok: false, error: { code: 'weird', message: 'x' } }),
    /"code" must be one of/,
  );
  assert.throws(
    () => parseEngineToHost({ type: 'stage', requestId: 1, runDir: '/r', stage: 'ingest', status: 'exploded' }),
    /"status" must be one of/,
  );
});

test('a cancelling event says how a cancelled request stops; a phase the host does not know is rejected', () => {
  const saving = { type: 'cancelling', requestId: 2, phase: 'checkpointing', message: 'saving step 12' };
  assert.deepEqual(parseEngineToHost(saving), saving);
  const read = { type: 'cancelling', requestId: 2, phase: 'read' };
  assert.deepEqual(parseEngineToHost(read), { ...read, message: undefined });
  assert.throws(() => parseEngineToHost({ ...read, phase: 'ignoring' }), /"phase" must be one of read, checkpointing/);
  assert.throws(
    () => parseEngineToHost({ type: 'cancelling', phase: 'read' }),
    /"requestId" must be a non-negative integer/,
  );
  assert.throws(() => parseEngineToHost({ ...read, message: 7 }), /"message" must be a string/);
});
