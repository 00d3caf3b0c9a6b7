/** The built command line: demo-data, ingest --json (summary, progress on stderr), failure exit codes. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../helpers/engine';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-cli-'));

test('optidel demo-data then optidel ingest --json', () => {
  const data = tmp();
  const demo = runCli(['demo-data', '--out', data, '--size', 'tiny', '--json']);
  assert.equal(demo.status, 0, demo.stderr);
  assert.equal(demo.json?.configFile, path.join(data, 'optidel.json'));
  const runDir = path.join(tmp(), 'run');
  const ingest = runCli(['ingest', '--config', path.join(data, 'optidel.json'), '--out', runDir, '--json']);
  assert.equal(ingest.status, 0, ingest.stderr);
  const summary = ingest.json!;
  assert.ok((summary.samples as number) > 30);
  assert.ok((summary.sources as number) >= 10);
  assert.deepEqual(summary.skipped, []);
  assert.equal(typeof summary.seconds, 'number');
  assert.match(ingest.stderr, /ingest .*\d+\/\d+/);
  assert.ok(fs.existsSync(path.join(runDir, 'cache', 'index.json')));
  assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')).stages.ingest.status, 'done');
});

test('a pool with nothing usable exits non-zero and says so', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'broken.nii'), 'not a volume');
  fs.writeFileSync(path.join(dir, 'optidel.json'), JSON.stringify({ pool: ['.'] }));
  const run = runCli(['ingest', '--config', path.join(dir, 'optidel.json'), '--out', path.join(dir, 'run'), '--json']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /nothing usable in the pool/);
  assert.match(run.stderr, /broken\.nii/);
});

test('a config error names the key', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'optidel.json'), JSON.stringify({ pool: ['.'], imageSize: 'big' }));
  const run = runCli(['ingest', '--config', path.join(dir, 'optidel.json'), '--out', path.join(dir, 'run')]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /imageSize: must be an integer/);
});
