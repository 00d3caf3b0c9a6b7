/**
 * A shared run folder's text reaches the user's terminal: a stage error in run.json, a file name
 * in a log line. Written raw, `ESC ] 52 ; c ; ... BEL` sets the clipboard in terminals that honour
 * it, `ESC [ 2 J` clears the screen and `ESC ] 0 ;` retitles the window. The command line writes
 * control characters (other than newlines and tabs) as `\uXXXX` escapes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../helpers/engine';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-terminal-escapes-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const FORGED = 'boom\u001b]52;c;ZWNobyBvd25lZA==\u0007\u001b[2J\u009b1m';

test('a stage error in a shared run.json reaches the terminal with its control characters escaped', () => {
  const runDir = path.join(root, 'runs', 'shared');
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(
    path.join(runDir, 'run.json'),
    JSON.stringify({
      version: 1,
      id: 'shared',
      createdAt: '2026-12-04T00:00:00Z',
      config: {},
      stages: { ingest: { status: 'failed', error: FORGED } },
    }),
  );
  for (const args of [
    ['runs', 'show', runDir],
    ['runs', 'list', '--dir', path.dirname(runDir)],
  ]) {
    const run = runCli(args);
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, args.join(' '));
    assert.ok(run.stdout.includes('boom\\u001b]52;c;ZWNobyBvd25lZA==\\u0007\\u001b[2J\\u009b1m'), run.stdout);
  }
});
