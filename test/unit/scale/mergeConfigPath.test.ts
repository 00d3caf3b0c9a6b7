/**
 * A shared run folder's ingest parts name the config they were decoded from (part.json's
 * facts.configPath). `optidel merge` without --config must not read that path: it can name any
 * file of the user's (a key, a token), which was read as JSON and quoted in the error.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../helpers/engine';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-merge-config-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

test("an ingest part naming a user's file as its config: merge neither reads nor quotes it", () => {
  const secret = path.join(root, 'credentials');
  fs.writeFileSync(secret, 'SECRET-TOKEN-0123456789');
  const runDir = path.join(root, 'shared-run');
  const partDir = path.join(runDir, 'parts/ingest/00000-of-00001');
  fs.mkdirSync(partDir, { recursive: true });
  fs.writeFileSync(
    path.join(runDir, 'run.json'),
    JSON.stringify({ version: 1, id: 'shared', createdAt: '2026-12-04T00:00:00Z', config: {}, stages: {} }),
  );
  fs.writeFileSync(
    path.join(partDir, 'part.json'),
    JSON.stringify({
      version: 1,
      stage: 'ingest',
      shard: { index: 0, count: 1 },
      samples: { start: 0, end: 1 },
      pool: { contentHash: 'x', size: 1 },
      settings: {},
      facts: { configPath: secret, samples: 1, skipped: [], emptySlicesSkipped: 0 },
    }),
  );
  const merge = runCli(['merge', '--run', runDir]);
  assert.notEqual(merge.status, 0);
  assert.doesNotMatch(merge.stderr, /SECRET/);
  assert.doesNotMatch(merge.stderr, /credentials/);
  assert.match(merge.stderr, /--config optidel\.json/);
});
