/** The host's log of engine output: each line at the level it means, and bounded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineLog, stderrLevel, type LogSink } from '../../../src/host/engineProcess/engineLog';
import type { LogLevel } from '../../../src/shared/protocol';

function sink(): { lines: Array<[LogLevel, string]>; sink: LogSink } {
  const lines: Array<[LogLevel, string]> = [];
  const at = (level: LogLevel) => (message: string) => lines.push([level, message]);
  return {
    lines,
    sink: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

test('engine stderr lines get the level their source gave them, not all "warning"', () => {
  const cases: Array<[string, LogLevel]> = [
    [
      '2026-12-02 10:00:00.123456: I tensorflow/core/platform/cpu_feature_guard.cc:193] This TensorFlow binary is optimized',
      'info',
    ],
    [
      '2026-12-02 10:00:00.123456: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library',
      'warn',
    ],
    [
      '2026-12-02 10:00:00.123456: E tensorflow/stream_executor/cuda/cuda_driver.cc:271] failed call to cuInit',
      'error',
    ],
    ['F0102 03:04:05.678901 1234 cuda_blas.cc:99] Check failed', 'error'],
    ['(node:4242) ExperimentalWarning: The Fetch API is an experimental feature', 'info'],
    ['(node:4242) MaxListenersExceededWarning: Possible EventEmitter memory leak detected', 'warn'],
    ['TypeError: Cannot read properties of undefined', 'error'],
    ['    at trainStep (/ext/dist/engine/main.js:120:7)', 'error'],
    ['Warning: backend wasm is slower than tensorflow', 'warn'],
    ['Platform node has already been set. Overwriting the platform with node.', 'debug'],
    ["The kernel 'Abs' for backend 'wasm' is already registered", 'debug'],
    ['wasm backend was already registered. Reusing existing backend factory.', 'debug'],
    [
      'Hi there 👋. Looks like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node backend',
      'debug',
    ],
    ['============================', 'debug'],
    ['INFO: Created TensorFlow Lite XNNPACK delegate for CPU.', 'debug'],
    // A real error that names XNNPACK is still an error: error shapes are tested before the chatter.
    ['Error: XNNPACK failed to initialise the wasm module', 'error'],
    ['pool: 120 files, 3 skipped', 'info'],
  ];
  for (const [line, level] of cases) assert.equal(stderrLevel(line), level, line);
});

test('the log cuts long messages and drops a flood with one note, then lets lines through again', () => {
  let now = 0;
  const { lines, sink: out } = sink();
  const log = new EngineLog(out, { maxLineChars: 100, maxLines: 10, windowMs: 1000 }, () => now);
  log.message('info', 'y'.repeat(5000));
  for (let i = 0; i < 10_000; i++) log.stderr(`(node:1) Warning: line ${i}`);
  log.stderr('   ');
  assert.equal(lines.length, 10, 'ten lines in the first second');
  assert.equal(lines[0][1], `${'y'.repeat(100)} … [cut: 4900 more characters]`);
  assert.deepEqual(lines[1], ['warn', '[engine] (node:1) Warning: line 0']);
  now = 1500;
  log.message('error', 'after the flood');
  assert.deepEqual(lines.slice(10), [
    ['warn', '[9991 lines of engine output dropped: more than 10 lines in 1 s]'],
    ['error', 'after the flood'],
  ]);
});
