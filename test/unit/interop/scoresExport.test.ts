/**
 * `optidel export --what scores` carries the curation fields: `optidel sample-scores`' uniqueness,
 * representativeness, cluster and hardest patch, the duplicate group and each method's pick order,
 * in scores.csv and as .npy arrays; stale sample scores are left out and reported, not exported.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DuplicatesFile, SelectionFile } from '../../../src/shared/artifacts';
import { ARTIFACTS, SAMPLE_SCORE_COLUMNS, selectionFile } from '../../../src/shared/artifacts';
import { makeRunFixture } from '../../fixtures/makeRunFixture';
import { runCli } from '../../helpers/engine';

/** RFC 4180 records of the fixture's CSV (no field holds a quote, comma or line break there). */
function csvRows(file: string): Array<Record<string, string>> {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\r\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i]!, v])));
}

/** The values and shape of a little-endian NPY 1.0 file, read from its header as numpy does. */
function readNpy(file: string): { descr: string; shape: number[]; values: number[] } {
  const bytes = fs.readFileSync(file);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const descr = /'descr': '([^']+)'/.exec(header)![1]!;
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]!
    .split(',')
    .filter((s) => s.trim())
    .map(Number);
  const data = bytes.subarray(10 + headerLength);
  const copy = new Uint8Array(data).buffer;
  const values = descr === '<i4' ? [...new Int32Array(copy)] : [...new Float32Array(copy)];
  return { descr, shape, values };
}

test('export --what scores: sample scores, duplicate group and pick order as written by their commands; stale scores left out', () => {
  const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-scores-export-')), 'run');
  makeRunFixture(runDir, { samples: 60, imageSize: 16, sampleScores: false });
  const scored = runCli(['sample-scores', '--run', runDir, '--clusters', '3', '--json']);
  assert.equal(scored.status, 0, scored.stderr);
  const out = path.join(path.dirname(runDir), 'export');
  const r = runCli(['export', '--what', 'scores', '--run', runDir, '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);

  const width = SAMPLE_SCORE_COLUMNS.length;
  const stored = new Float32Array(
    new Uint8Array(fs.readFileSync(path.join(runDir, ARTIFACTS.sampleScoreValues))).buffer,
  );
  const duplicates = JSON.parse(fs.readFileSync(path.join(runDir, ARTIFACTS.duplicates), 'utf8')) as DuplicatesFile;
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  const methods = manifest.methods as string[];
  const picks = methods.map(
    (m) => (JSON.parse(fs.readFileSync(path.join(runDir, selectionFile(m)), 'utf8')) as SelectionFile).selected,
  );
  assert.equal(manifest.clusters, 3);

  const scores = readNpy(path.join(out, 'sample_scores.npy'));
  assert.deepEqual([scores.descr, scores.shape], ['<f4', [60, width]]);
  assert.deepEqual(scores.values, [...stored]);
  const groups = readNpy(path.join(out, 'duplicate_group.npy'));
  const groupOf = (id: number) => duplicates.groups.findIndex((g) => g.members.includes(id));
  assert.deepEqual(
    groups.values,
    Array.from({ length: 60 }, (_, id) => groupOf(id)),
  );
  assert.ok(groups.values.filter((g) => g >= 0).length >= 5, 'the fixture has two groups');
  const order = readNpy(path.join(out, 'selection_order.npy'));
  assert.deepEqual([order.descr, order.shape], ['<i4', [60, methods.length]]);
  assert.deepEqual(order.values, Array.from({ length: 60 }, (_, id) => picks.map((p) => p.indexOf(id))).flat());

  const rows = csvRows(path.join(out, 'scores.csv'));
  assert.equal(rows.length, 60);
  rows.forEach((row, id) => {
    assert.equal(Number(row.uniqueness), stored[id * width + SAMPLE_SCORE_COLUMNS.indexOf('uniqueness')]);
    assert.equal(
      Number(row.representativeness),
      stored[id * width + SAMPLE_SCORE_COLUMNS.indexOf('representativeness')],
    );
    assert.equal(Number(row.cluster), stored[id * width + SAMPLE_SCORE_COLUMNS.indexOf('cluster')]);
    assert.equal(Number(row.hardest_patch), stored[id * width + SAMPLE_SCORE_COLUMNS.indexOf('hardestPatch')]);
    assert.equal(row.duplicate_group, groupOf(id) >= 0 ? String(groupOf(id)) : '');
    methods.forEach((m, k) =>
      assert.equal(row[`order_${m}`], picks[k]!.includes(id) ? String(picks[k]!.indexOf(id)) : ''),
    );
  });
  // The first pick of the first method is order 0 in its column.
  assert.equal(rows[picks[0]![0]!]![`order_${methods[0]}`], '0');

  // Embeddings rewritten since (optidel score, optidel embeddings): the scores are stale, so not exported.
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(runDir, ARTIFACTS.embeddings), later, later);
  const staleOut = path.join(path.dirname(runDir), 'export-stale');
  const stale = runCli(['export', '--what', 'scores', '--run', runDir, '--out', staleOut, '--json']);
  assert.equal(stale.status, 0, stale.stderr);
  assert.ok(!fs.existsSync(path.join(staleOut, 'sample_scores.npy')));
  const skipped = (stale.json as { skipped: Array<{ path: string; reason: string }> }).skipped;
  assert.ok(
    skipped.some((s) => s.path.endsWith(ARTIFACTS.sampleScores) && /stale.*optidel sample-scores/.test(s.reason)),
    JSON.stringify(skipped),
  );
  const staleRows = csvRows(path.join(staleOut, 'scores.csv'));
  assert.equal(staleRows[0]!.uniqueness, '');
  assert.equal(staleRows[0]!.duplicate_group, String(groupOf(0)), 'the duplicate groups do not depend on them');
  assert.equal(JSON.parse(fs.readFileSync(path.join(staleOut, 'manifest.json'), 'utf8')).clusters, null);
});
