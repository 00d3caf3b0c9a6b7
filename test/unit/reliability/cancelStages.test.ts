/**
 * Cancel during each stage of the pipeline: the run folder stays consistent (no half-written
 * artifact, no stage left "running", every JSON file whole) and the next run reruns the cancelled
 * stage and goes on. Each round cancels the pipeline as soon as the next stage starts. On tiny data
 * a quick stage (score, propose) can finish before the cancel message is read; the pipeline must
 * then stop at the next stage boundary at the latest.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineClient, EngineError } from '../../../src/shared/node/engineClient';
import { readRun } from '../../../src/shared/node/runStore';
import { STAGES } from '../../../src/shared/runRecord';
import type { EngineEvent } from '../../../src/shared/protocol';
import { ENGINE, runCli } from '../../helpers/engine';
import { makeTinyDemo } from '../../helpers/tinyRun';

const clients: EngineClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

/** Every file in the run folder: no temporaries left, every JSON file parses. */
function assertConsistent(runDir: string): void {
  for (const entry of fs.readdirSync(runDir, { recursive: true }).map(String)) {
    assert.ok(!/\.tmp$|\.tmp\//.test(entry), `no temporary left behind: ${entry}`);
    if (entry.endsWith('.json'))
      assert.doesNotThrow(() => JSON.parse(fs.readFileSync(path.join(runDir, entry), 'utf8')), entry);
  }
}

test('cancelling each stage in turn leaves a consistent run that the next run completes', async () => {
  const { configFile, root } = makeTinyDemo();
  const runDir = path.join(root, 'run');
  const pipelineStages = STAGES.filter((s) => s !== 'finetune');
  const events: EngineEvent[] = [];
  const engine = new EngineClient({
    enginePath: ENGINE,
    backend: 'wasm',
    cancelGraceMs: 20_000,
    onEvent: (e) => events.push(e),
  });
  clients.push(engine);
  const args = {
    config: configFile,
    out: runDir,
    method: 'optidel',
    preset: 'micro',
    steps: 30,
    batchSize: 8,
  } as const;
  const cancelledStages: string[] = [];

  for (const stage of pipelineStages) {
    events.length = 0;
    const request = engine.request('run', args);
    const started = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        if (events.some((e) => e.type === 'stage' && e.stage === stage && e.status === 'running')) {
          clearInterval(poll);
          resolve(true);
        }
      }, 5);
      request.result.then(
        () => {
          clearInterval(poll);
          resolve(false);
        },
        () => undefined,
      );
    });
    assert.ok(started, `${stage} started`);
    request.cancel();
    const outcome = await request.result.then(
      () => 'finished' as const,
      (err: unknown) => (err instanceof EngineError && err.code === 'cancelled' ? ('cancelled' as const) : err),
    );
    // A stage the previous round's cancel already interrupted resumes from its checkpoint with little
    // left, and may finish before this cancel lands; any other stage must stop.
    if (outcome === 'finished')
      assert.ok(cancelledStages.includes(stage), `the cancel sent while ${stage} ran did not stop the run`);
    else assert.equal(outcome, 'cancelled');
    const record = await readRun(runDir);
    assert.ok(!Object.values(record.stages).some((s) => s.status === 'running'), 'no stage left running');
    const cancelled = pipelineStages.filter((s) => record.stages[s]?.status === 'cancelled');
    const k = pipelineStages.indexOf(stage);
    assert.ok(cancelled.length <= 1, `one stage cancelled at most: ${cancelled.join(', ')}`);
    if (cancelled.length === 0)
      assert.equal(record.stages[stage]?.status, 'done', `${stage} finished before the cancel arrived`);
    else
      assert.ok(
        [stage, pipelineStages[k + 1]].includes(cancelled[0]!),
        `the cancel stopped ${stage} or the stage after it, not ${cancelled[0]}`,
      );
    for (const later of pipelineStages.slice(k + 2))
      assert.equal(record.stages[later]?.status, 'pending', `${later} never started`);
    cancelledStages.push(...cancelled);
    assertConsistent(runDir);
  }
  // The long stages were interrupted inside their work; the engine stayed up throughout.
  for (const stage of ['ingest', 'pretrain', 'select', 'synthesize', 'train'])
    assert.ok(cancelledStages.includes(stage), `${stage} was cancelled while it ran`);

  const finished = runCli([
    'run',
    '--config',
    configFile,
    '--out',
    runDir,
    '--method',
    'optidel',
    '--preset',
    'micro',
    '--steps',
    '30',
    '--batch-size',
    '8',
    '--json',
  ]);
  assert.equal(finished.status, 0, finished.stderr);
  const record = await readRun(runDir);
  for (const stage of pipelineStages) assert.equal(record.stages[stage]?.status, 'done', stage);
  assertConsistent(runDir);
});
