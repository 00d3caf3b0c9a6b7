// A stand-in for the engine process in the engine client's tests. It speaks the engine's IPC
// protocol (ready, request, cancel; progress, cancelling, reply) and answers a cancel the way
// src/engine/ipcServer.ts does (a `cancelling` event with phase "read" at once), but each request
// behaves as its `args.behaviour` says, including ways no real command should:
//   work                  replies { done: true } after args.ms
//   ignore-cancel         reads the cancel and goes on working, never replying
//   checkpoint-on-cancel  on a cancel says it is checkpointing, takes args.checkpointMs, then replies
//                         cancelled (as pre-training does)
//   flood                 prints one line of args.lineChars characters and args.lines short lines on
//                         stderr, then replies once all of it is written
// Every request reports progress once when it starts, so a test knows it is running.
const running = new Map();

function send(message) {
  process.send(message);
}

function reply(id, ok, payload) {
  if (!running.delete(id)) return;
  send(ok ? { type: 'reply', id, ok, result: payload } : { type: 'reply', id, ok, error: payload });
}

function start(id, args) {
  const request = { args, timers: [] };
  running.set(id, request);
  send({ type: 'progress', requestId: id, stage: 'fake', done: 0, total: 1, message: args.behaviour });
  if (args.behaviour === 'flood') {
    process.stderr.write(`${'x'.repeat(args.lineChars)}\n`);
    for (let i = 0; i < args.lines; i++) process.stderr.write(`flood line ${i}\n`);
    // Reply once all of it has reached the pipe, so a kill after the reply loses none of it.
    process.stderr.write('', () => reply(id, true, { done: true }));
    return;
  }
  request.timers.push(setTimeout(() => reply(id, true, { done: true }), args.ms ?? 60_000));
}

function cancel(id) {
  const request = running.get(id);
  if (!request) return;
  send({ type: 'cancelling', requestId: id, phase: 'read' });
  if (request.args.behaviour === 'ignore-cancel') return;
  request.timers.forEach(clearTimeout);
  if (request.args.behaviour === 'checkpoint-on-cancel') {
    send({ type: 'cancelling', requestId: id, phase: 'checkpointing', message: 'fake: saving a checkpoint' });
    setTimeout(
      () => reply(id, false, { code: 'cancelled', message: 'cancelled after saving a checkpoint' }),
      request.args.checkpointMs,
    );
    return;
  }
  reply(id, false, { code: 'cancelled', message: 'cancelled' });
}

process.on('message', (message) => {
  if (message.type === 'request') start(message.id, message.args);
  else if (message.type === 'cancel') cancel(message.id);
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid, protocol: 1 });
