/** Per-sample curation scores: known answers on hand-built embeddings, the CLI's file, staleness in the views' loader. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sampleScores } from '../../../src/engine/curation/sampleScores';
import { loadRunViewData } from '../../../src/host/panels/runData';
import { ARTIFACTS, SAMPLE_SCORE_COLUMNS } from '../../../src/shared/artifacts';
import type { SampleScoresResult } from '../../../src/shared/commands';
import { makeRunFixture } from '../../fixtures/makeRunFixture';
import { runCli } from '../../helpers/engine';

/**
 * Two tight clusters on opposite sides and one sample alone on a third axis; sample 1 is an exact
 * copy of sample 0. Rows 0-4: cluster A around +x (row 2 at its middle), rows 5-9: cluster B
 * around -x, row 10: the isolated one.
 */
function handBuilt(): { embeddings: Float32Array; dim: number } {
  const rows: number[][] = [];
  const spread = [-0.2, -0.1, 0, 0.1, 0.2];
  rows.push([5, spread[0]!, 0], [5, spread[0]!, 0], [5, 0, 0.02], [5, spread[3]!, 0], [5, spread[4]!, 0]);
  for (const s of spread) rows.push([-5, s, 0.05]);
  rows.push([0, 0, 6]);
  return { embeddings: Float32Array.from(rows.flat()), dim: 3 };
}

/** Cosine distance to the nearest other row after centring, by brute force in float64. */
function bruteUniqueness(embeddings: Float32Array, dim: number): number[] {
  const n = embeddings.length / dim;
  const mean = Array.from({ length: dim }, (_, d) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += embeddings[i * dim + d]!;
    return s / n;
  });
  const row = (i: number) => Array.from({ length: dim }, (_, d) => embeddings[i * dim + d]! - mean[d]!);
  const cos = (a: number[], b: number[]) =>
    a.reduce((s, v, d) => s + v * b[d]!, 0) / Math.hypot(...a) / Math.hypot(...b);
  return Array.from({ length: n }, (_, i) =>
    Math.max(0, 1 - Math.max(...Array.from({ length: n }, (_, j) => (j === i ? -Infinity : cos(row(i), row(j)))))),
  );
}

test('uniqueness: the isolated sample is the most unique, an exact copy scores 0, every value equals brute force', () => {
  const { embeddings, dim } = handBuilt();
  const patchErrors = Float32Array.from({ length: 11 * 4 }, (_, k) => (k * 7) % 13);
  const scores = sampleScores(embeddings, dim, patchErrors, { seed: 3, clusters: 3 });
  const unique = Array.from(scores.uniqueness);
  assert.equal(unique.indexOf(Math.max(...unique)), 10);
  assert.ok(scores.uniqueness[0]! < 1e-6 && scores.uniqueness[1]! < 1e-6, `copies: ${unique.slice(0, 2)}`);
  bruteUniqueness(embeddings, dim).forEach((expected, i) =>
    assert.ok(Math.abs(scores.uniqueness[i]! - expected) < 1e-5, `sample ${i}: ${scores.uniqueness[i]} vs ${expected}`),
  );
  // hardest patch: the row maximum of the per-patch errors.
  for (let i = 0; i < 11; i++)
    assert.equal(scores.hardestPatch[i], Math.max(...patchErrors.subarray(i * 4, i * 4 + 4)));
});

test('clusters and representativeness: three k-means clusters as built; the middle of a cluster is its most representative', () => {
  const { embeddings, dim } = handBuilt();
  const scores = sampleScores(embeddings, dim, new Float32Array(11), { seed: 3, clusters: 3 });
  const c = Array.from(scores.cluster);
  assert.equal(scores.clusters, 3);
  assert.equal(new Set(c.slice(0, 5)).size, 1);
  assert.equal(new Set(c.slice(5, 10)).size, 1);
  assert.equal(new Set([c[0], c[5], c[10]]).size, 3, `clusters ${c}`);
  // Alone in its cluster, the isolated sample is its cluster's centroid.
  assert.ok(Math.abs(scores.representativeness[10]! - 1) < 1e-6);
  const a = Array.from(scores.representativeness.subarray(0, 5));
  assert.ok(a[2]! > a[0]! && a[2]! > a[4]!, `cluster A: ${a}`);
  const b = Array.from(scores.representativeness.subarray(5, 10));
  assert.equal(b.indexOf(Math.max(...b)), 2, `cluster B: ${b}`);
});

test('optidel sample-scores writes the stamped file the views read; rewritten embeddings make it stale', async () => {
  const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-scores-')), 'run');
  makeRunFixture(runDir, { samples: 80, imageSize: 16, sampleScores: false });
  const loadGallery = () => loadRunViewData(runDir, 'gallery', (p) => p);
  const before = await loadGallery();
  assert.equal(before.sampleScores, undefined);
  // Not computed yet is not a problem: the view shows no "skipped" banner for it.
  assert.deepEqual(
    before.problems.filter((p) => p.startsWith('curation/')),
    [],
  );

  const r = runCli(['sample-scores', '--run', runDir, '--clusters', '4', '--limit', '0', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const result = r.json as unknown as SampleScoresResult;
  assert.equal(result.rows.length, 80);
  assert.equal(result.clusters, 4);
  const byUniqueness = result.rows.map((row) => row.uniqueness);
  assert.deepEqual(
    byUniqueness,
    [...byUniqueness].sort((x, y) => y - x),
  );
  // Duplicate groups and selection order are joined in from their own files.
  assert.equal(result.rows.find((row) => row.id === 5)?.duplicateGroup, 0);
  assert.ok(result.rows.some((row) => row.selectionOrder.optidel === 0));
  assert.equal(result.rows[0]!.metadata?.Manufacturer !== undefined, true);

  const data = await loadGallery();
  assert.ok(data.sampleScores, data.problems.join('; '));
  const fromCli = new Map(result.rows.map((row) => [row.id, row]));
  for (let i = 0; i < 80; i++) {
    assert.equal(data.sampleScores.uniqueness[i], Math.fround(fromCli.get(i)!.uniqueness));
    assert.equal(data.sampleScores.cluster[i], fromCli.get(i)!.cluster);
  }
  assert.equal(fs.statSync(path.join(runDir, ARTIFACTS.sampleScoreValues)).size, 80 * SAMPLE_SCORE_COLUMNS.length * 4);

  // The same bytes written again (optidel score, optidel embeddings) are new embeddings as far as anyone can tell.
  const embeddings = path.join(runDir, ARTIFACTS.embeddings);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(embeddings, later, later);
  const stale = await loadGallery();
  assert.equal(stale.sampleScores, undefined);
  assert.ok(
    stale.problems.some((p) => p.startsWith(ARTIFACTS.sampleScores) && /stale/.test(p)),
    stale.problems.join('; '),
  );
});
