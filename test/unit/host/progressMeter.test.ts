/** Run Pipeline's bar: each stage fills its share of the bar, so it is not full after the first stage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressMeter, pipelineWeights, type ProgressStep } from '../../../src/host/progress/progressMeter';
import type { RunRecord } from '../../../src/shared/runRecord';

const STAGES = ['ingest', 'pretrain', 'score', 'propose', 'select', 'synthesize', 'train'];

/** The events of `optidel run` in the order src/engine/pipeline/runPipeline.ts sends them. */
function pipelineEvents(inner: (stage: string) => ProgressStep[]): ProgressStep[] {
  return [
    ...STAGES.flatMap((stage, i) => [{ stage: 'run', done: i, total: STAGES.length, message: stage }, ...inner(stage)]),
    { stage: 'run', done: STAGES.length, total: STAGES.length },
  ];
}

/** Each stage reports 4 steps of its own, as ingest (files) and pre-training (steps) do. */
const fourSteps = (stage: string) => [1, 2, 3, 4].map((done) => ({ stage, done, total: 4 }));

test('the bar reaches each stage’s share of the time, never full after the first stage', () => {
  const weights = STAGES.map((s) => [s, s === 'pretrain' || s === 'train' ? 10 : 1] as [string, number]);
  const meter = new ProgressMeter({ outer: 'run', stages: weights });
  const trace = pipelineEvents(fourSteps).map((e) => [e, meter.update(e)] as const);
  const afterStage = (stage: string) =>
    trace.filter(([e]) => e.stage === stage && e.done === e.total).map(([, f]) => f)[0];
  // Total weight 25: ingest is 1/25 of the time, pre-training the next 10/25.
  assert.equal(afterStage('ingest'), 1 / 25);
  assert.equal(afterStage('pretrain'), 11 / 25);
  assert.equal(afterStage('train'), 1);
  // Half-way through pre-training the bar is half-way through its share.
  const halfPretrain = trace.find(([e]) => e.stage === 'pretrain' && e.done === 2)![1];
  assert.equal(halfPretrain, (1 + 5) / 25);
  const fractions = trace.map(([, f]) => f);
  assert.deepEqual(
    fractions,
    [...fractions].sort((a, b) => a - b),
    'the bar never goes back',
  );
  assert.equal(fractions.at(-1), 1);
});

test('a stage reporting in two phases, or going back, never moves the bar back', () => {
  const meter = new ProgressMeter({
    outer: 'run',
    stages: [
      ['propose', 1],
      ['select', 1],
    ],
  });
  meter.update({ stage: 'run', done: 0, total: 2, message: 'propose' });
  assert.equal(meter.update({ stage: 'propose', done: 9, total: 10, message: 'proposing windows' }), 0.45);
  assert.equal(meter.update({ stage: 'propose', done: 1, total: 10, message: 'scoring patches' }), 0.45);
  assert.equal(meter.update({ stage: 'run', done: 1, total: 2, message: 'select' }), 0.5);
  assert.equal(meter.update({ stage: 'select', done: 1, total: 2 }), 0.75);
});

test('a command without a plan shows its own fraction, and a skipped stage (resumed run) jumps past its share', () => {
  const plain = new ProgressMeter();
  assert.equal(plain.update({ stage: 'score', done: 3, total: 4 }), 0.75);
  assert.equal(plain.update({ stage: 'score', done: 0, total: 0 }), 0.75);
  const meter = new ProgressMeter({
    outer: 'run',
    stages: [
      ['ingest', 1],
      ['pretrain', 3],
      ['score', 1],
    ],
  });
  meter.update({ stage: 'run', done: 0, total: 3, message: 'ingest' });
  meter.update({ stage: 'ingest', done: 1, total: 1 });
  // pretrain is done already: the engine goes straight on to score.
  assert.equal(meter.update({ stage: 'run', done: 2, total: 3, message: 'score' }), 0.8);
});

function timedRun(seconds: Record<string, number>, status: 'done' | 'failed' = 'done'): RunRecord {
  return {
    version: 1,
    id: 'r',
    createdAt: '2026-12-02T00:00:00Z',
    config: {},
    stages: Object.fromEntries(Object.entries(seconds).map(([s, t]) => [s, { status, seconds: t }])),
  };
}

test('the weights are the seconds of the newest run that timed every stage, else the untimed guess', () => {
  const all = Object.fromEntries(STAGES.map((s, i) => [s, i + 1]));
  const partial = timedRun({ ingest: 5 });
  const failed = timedRun(all, 'failed');
  const timed = timedRun(all);
  assert.deepEqual(pipelineWeights(STAGES, [undefined, partial, failed, timed]), Object.entries(all));
  const guess = pipelineWeights(STAGES, [partial]);
  assert.deepEqual(
    guess.map(([s]) => s),
    STAGES,
  );
  assert.ok(
    guess.find(([s]) => s === 'pretrain')![1] > guess.find(([s]) => s === 'ingest')![1],
    'training stages count for more',
  );
});
