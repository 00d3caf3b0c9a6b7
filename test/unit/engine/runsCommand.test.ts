/** `optidel runs list` and `optidel runs show RUN` on real run folders made by the CLI. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../helpers/engine';
import { cloneRun, makeTinyRun } from '../../helpers/tinyRun';

interface Summary {
  dir: string;
  error?: string;
  stages: Array<{ stage: string; status: string; seconds?: number }>;
  sizes?: Record<string, number>;
}

test('runs list names every run folder with its stages; runs show adds timings and sizes on disk', () => {
  const run = makeTinyRun('first');
  const second = cloneRun(run, 'second');
  // A run whose engine died mid-stage: a running stage under a pid that no longer exists.
  const record = JSON.parse(fs.readFileSync(path.join(second, 'run.json'), 'utf8'));
  record.stages.pretrain = { status: 'running', pid: 2 ** 22 + 17, startedAt: new Date().toISOString() };
  fs.writeFileSync(path.join(second, 'run.json'), JSON.stringify(record));
  fs.mkdirSync(path.join(run.root, 'broken'));
  fs.writeFileSync(path.join(run.root, 'broken', 'run.json'), '{');

  const list = runCli(['runs', 'list', '--dir', run.root, '--json']);
  assert.equal(list.status, 0, list.stderr);
  const runs = list.json!.runs as Summary[];
  assert.deepEqual(runs.map((r) => path.basename(r.dir)).sort(), ['broken', 'first', 'second']);
  const first = runs.find((r) => r.dir === run.runDir)!;
  assert.equal(first.stages.find((s) => s.stage === 'ingest')!.status, 'done');
  assert.equal(first.stages.find((s) => s.stage === 'pretrain')!.status, 'pending');
  assert.equal(runs.find((r) => r.dir === second)!.stages.find((s) => s.stage === 'pretrain')!.status, 'interrupted');
  assert.match(runs.find((r) => r.dir.endsWith('broken'))!.error!, /not valid JSON/);

  const show = runCli(['runs', 'show', 'first', '--dir', run.root, '--json']);
  assert.equal(show.status, 0, show.stderr);
  const shown = (show.json!.runs as Summary[])[0];
  assert.ok(shown.stages.find((s) => s.stage === 'ingest')!.seconds! > 0);
  const cacheBytes = fs
    .readdirSync(path.join(run.runDir, 'cache'))
    .reduce((n, f) => n + fs.statSync(path.join(run.runDir, 'cache', f)).size, 0);
  assert.equal(shown.sizes!.cache, cacheBytes);

  const text = runCli(['runs', 'show', run.runDir]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /ingest +done \d+\.\d s/);
  assert.match(text.stdout, /on disk: .*cache \d/);

  const notARun = runCli(['runs', 'show', run.root]);
  assert.equal(notARun.status, 2);
  assert.match(notARun.stderr, /is not a run folder \(no run\.json\)/);
  assert.equal(runCli(['runs', 'list', 'extra', '--dir', run.root]).status, 2);
});
