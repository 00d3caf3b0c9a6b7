/** Acquisitions: the frame-sequence rule, the user's `ingest.group`, and what ingest writes into cache/index.json. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../../src/engine/config/loadConfig';
import { acquisitionOf, frameSequence, userGrouping } from '../../../src/engine/data/acquisition';
import { readCacheIndex } from '../../../src/engine/data/cache';
import { encodeGrayPng } from '../../../src/engine/data/formats/png';
import { ingestPool } from '../../../src/engine/pipeline/ingestStage';
import { recordingContext } from '../data/context';

test('2D files of one folder whose names differ only in their last number are one sequence', () => {
  assert.equal(frameSequence('/d/seq-03/frame-0012.png'), frameSequence('/d/seq-03/frame-0013.png'));
  assert.equal(frameSequence('/d/seq-03/frame-0012.png'), path.join('/d/seq-03', 'frame-#.png'));
  assert.notEqual(
    frameSequence('/d/seq-03/frame-0012.png'),
    frameSequence('/d/seq-04/frame-0012.png'),
    'another folder, another sequence',
  );
  assert.notEqual(
    frameSequence('/d/IM-0001-0012.png'),
    frameSequence('/d/IM-0002-0012.png'),
    'only the last number is the frame number',
  );
  assert.equal(frameSequence('/d/IM-0001-0012.png'), frameSequence('/d/IM-0001-0099.png'));
  assert.notEqual(
    frameSequence('/d/frame-1.png'),
    frameSequence('/d/frame-1.jpg'),
    'the extension is part of the name',
  );
  assert.equal(frameSequence('/d/chest.png'), '/d/chest.png', 'a name without a number is its own acquisition');
});

test('ingest.group: the first capture group that matches names the acquisition; bad patterns name the key and the fix', () => {
  const group = userGrouping('patients/([^/]+)/|scanner-(\\w+)', '/w/optidel.json')!;
  assert.equal(group('/data/patients/p07/day1/img-1.png'), 'group:p07');
  assert.equal(group('/data/patients/p07/day2/img-9.png'), 'group:p07');
  assert.equal(group('/data/scanner-B/x.png'), 'group:B');
  assert.equal(group('/data/other/x.png'), undefined, 'no match keeps the default rule');
  assert.throws(
    () => userGrouping('patients/[^/]+/', '/w/optidel.json'),
    /optidel\.json: ingest\.group: .*no capture group; put the part/,
  );
  assert.throws(
    () => userGrouping('patients/(', '/w/optidel.json'),
    /optidel\.json: ingest\.group: not a regular expression/,
  );
  assert.equal(userGrouping(undefined, '/w/optidel.json'), undefined);
});

function writePool(root: string): string {
  const pixels = (seed: number) => Uint8Array.from({ length: 16 * 16 }, (_, i) => 40 + ((i * (seed + 3)) % 180));
  const files = [
    'seq-a/frame-001.png',
    'seq-a/frame-002.png',
    'seq-a/frame-003.png',
    'seq-b/frame-001.png',
    'singles/chest.png',
    'singles/knee.png',
  ];
  files.forEach((f, i) => {
    fs.mkdirSync(path.join(root, 'pool', path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(root, 'pool', f), encodeGrayPng(pixels(i), 16, 16));
  });
  return path.join(root, 'pool');
}

test("ingest writes each sample's acquisition into cache/index.json; selection reads acquisitions, and a changed group re-ingests", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-acq-'));
  const pool = writePool(root);
  const runDir = path.join(root, 'run');
  const config = (ingest: Record<string, unknown>) =>
    parseConfig({ pool: [pool], imageSize: 16, ingest }, path.join(root, 'optidel.json'));
  await ingestPool(config({}), runDir, recordingContext());
  const byName = (index: Awaited<ReturnType<typeof readCacheIndex>>) =>
    new Map(index.samples.map((s) => [path.relative(pool, s.source), s.acquisition]));
  const plain = byName(await readCacheIndex(runDir));
  assert.equal(plain.size, 6);
  assert.equal(plain.get('seq-a/frame-001.png'), path.join(pool, 'seq-a', 'frame-#.png'));
  assert.equal(plain.get('seq-a/frame-003.png'), plain.get('seq-a/frame-001.png'));
  assert.notEqual(plain.get('seq-b/frame-001.png'), plain.get('seq-a/frame-001.png'));
  assert.equal(plain.get('singles/chest.png'), path.join(pool, 'singles', 'chest.png'));
  assert.ok(
    (await readCacheIndex(runDir)).samples.every((s) => s.source.startsWith(pool) && s.source.endsWith('.png')),
    'the source stays the file',
  );

  await ingestPool(config({ group: 'pool/(seq-a|singles)/' }), runDir, recordingContext());
  const grouped = byName(await readCacheIndex(runDir));
  assert.equal(grouped.get('seq-a/frame-002.png'), 'group:seq-a');
  assert.equal(grouped.get('singles/chest.png'), 'group:singles');
  assert.equal(grouped.get('singles/knee.png'), 'group:singles');
  assert.equal(
    grouped.get('seq-b/frame-001.png'),
    path.join(pool, 'seq-b', 'frame-#.png'),
    'unmatched paths keep the default rule',
  );
  // What the selection methods see as each sample's source of redundancy: three acquisitions of six files.
  assert.equal(new Set((await readCacheIndex(runDir)).samples.map(acquisitionOf)).size, 3);

  await assert.rejects(
    ingestPool(config({ group: 'pool/seq-a/' }), runDir, recordingContext()),
    /optidel\.json: ingest\.group: .*no capture group/,
  );
});
