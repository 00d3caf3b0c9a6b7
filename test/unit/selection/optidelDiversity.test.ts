import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { KeyPatch } from '../../../src/shared/artifacts';
import { selectSubset } from '../../../src/engine/selection/methods';
import { centreRows, normalizeRows } from '../../../src/engine/selection/vectors';
import { SeededRandom } from '../../../src/engine/model/rng';
import { syntheticPool } from './syntheticPool';

/**
 * A pool of mixed acquisitions: 3 volumes of 60 near-identical, very hard slices (one key patch
 * each), 60 single 2D files (diverse, easier, four key patches each) and 20 re-exports that are
 * exact copies of files 0..19, made the hardest of all.
 */
function mixedPool() {
  const dim = 16;
  const rng = new SeededRandom(11);
  const rows: number[][] = [];
  const difficulty: number[] = [];
  const sources: string[] = [];
  const keyPatches: KeyPatch[] = [];
  const addPatches = (sampleId: number, count: number, hardness: number) => {
    for (let j = 0; j < count; j++)
      keyPatches.push({
        id: keyPatches.length,
        sampleId,
        box: [j * 8, 0, 8, 8],
        difficulty: hardness + 0.01 * rng.next(),
        origin: 'auto',
      });
  };
  for (let v = 0; v < 3; v++) {
    const base = Array.from({ length: dim }, () => rng.normal());
    for (let s = 0; s < 60; s++) {
      addPatches(rows.length, 1, 10 + rng.next());
      rows.push(base.map((x) => x + 0.001 * rng.normal()));
      sources.push(`/pool/ct/volume-${v}.nii.gz`);
      difficulty.push(10);
    }
  }
  const firstFile = rows.length;
  for (let f = 0; f < 60; f++) {
    addPatches(rows.length, 4, rng.next());
    rows.push(Array.from({ length: dim }, () => rng.normal()));
    sources.push(`/pool/xray/scan-${f}.png`); // no shared name pattern: each file is its own acquisition
    difficulty.push(0.5);
  }
  for (let c = 0; c < 20; c++) {
    addPatches(rows.length, 4, 100);
    rows.push([...rows[firstFile + c]]);
    sources.push(`/pool/xray/re-export/copy-${c}.png`);
    difficulty.push(100);
  }
  return {
    input: {
      embeddings: Float32Array.from(rows.flat()),
      dim,
      difficulty: Float32Array.from(difficulty),
      sources,
      keyPatches,
    },
    firstFile,
    firstCopy: firstFile + 60,
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

test('optidel on volumes plus single 2D files: exact budget, quotas held, relaxed picks counted by rule', () => {
  const { input, firstFile, firstCopy } = mixedPool();
  // Precondition of the expected counts: the 2D files are no near-duplicates of anything (cosine distance > 0.05).
  const unit = normalizeRows(centreRows(input.embeddings, input.dim), input.dim);
  const cosine = (a: number, b: number) =>
    Array.from({ length: input.dim }, (_, d) => unit[a * input.dim + d] * unit[b * input.dim + d]).reduce(
      (x, y) => x + y,
    );
  for (let a = firstFile; a < firstCopy; a++)
    for (let b = 0; b < firstCopy; b++)
      if (a !== b) assert.ok(1 - cosine(a, b) > 0.05, `samples ${a} and ${b} are near`);

  const budget = 80; // N = 4 x 80 = 320 key patches
  const result = selectSubset('optidel', input, { budget, seed: 3, optidel: { sourceCapFactor: 1 } });
  const patches = result.patches!.map((id) => input.keyPatches[id]);
  assert.equal(patches.length, 320, 'the patch budget is exact');
  assert.equal(new Set(result.patches).size, 320, 'no key patch twice');
  assert.ok(
    patches.every((p) => p.sampleId < firstCopy),
    'exact duplicates are never picked, however hard',
  );

  // Quotas by the documented rule: ceil(1 x 320 x samples / 240 distinct samples): a volume 80, a file 2.
  const quota = (source: string) => (source.includes('/ct/') ? 80 : 2);
  const taken = countBy(patches, (p) => input.sources[p.sampleId]);
  const overQuota = [...taken].reduce((s, [source, n]) => s + Math.max(0, n - quota(source)), 0);
  for (let v = 0; v < 3; v++)
    assert.equal(taken.get(`/pool/ct/volume-${v}.nii.gz`), 60, 'every slice of a volume, inside its quota of 80');
  // The rules cannot be met in full: within the quotas there are only 3 x 60 + 60 x 2 = 300 patches, and
  // each volume has only one sample that is not a near-duplicate of another.
  // Even at the smallest distance (0.05 / 2^10) the slices of a volume (noise 0.001 on one embedding) are near-duplicates.
  assert.deepEqual(result.relaxed, {
    nearDuplicate: 3 * 60 - 3,
    acquisitionCap: 20,
    capDoublings: 1,
    short: 0,
    nearDuplicateDistance: 0.05 / 1024,
    distanceHalvings: 10,
  });
  assert.equal(overQuota, result.relaxed!.acquisitionCap, 'every pick beyond a quota is counted as relaxed');
  assert.ok(
    [...taken].every(([source, n]) => n <= 2 * quota(source)),
    'no acquisition went past its doubled quota',
  );
  // Pass one took each file's two hardest patches; the 20 picks past the quotas are the hardest of the rest.
  const rest = [...countBy(input.keyPatches, (p) => String(p.sampleId)).keys()]
    .map(Number)
    .filter((id) => id >= firstFile && id < firstCopy)
    .flatMap((id) =>
      input.keyPatches
        .filter((p) => p.sampleId === id)
        .sort((a, b) => b.difficulty! - a.difficulty!)
        .slice(2),
    );
  const expected = rest
    .sort((a, b) => b.difficulty! - a.difficulty!)
    .slice(0, 20)
    .map((p) => p.id)
    .sort((a, b) => a - b);
  assert.deepEqual(
    rest
      .map((p) => p.id)
      .filter((id) => result.patches!.includes(id))
      .sort((a, b) => a - b),
    expected,
  );
});

test("optidel: a budget beyond the pool's distinct patches says how many are missing", () => {
  const { input, firstCopy } = mixedPool();
  const result = selectSubset('optidel', input, { budget: 200, seed: 3 });
  const distinctPatches = input.keyPatches.filter((p) => p.sampleId < firstCopy).length;
  assert.equal(result.patches!.length, distinctPatches);
  assert.equal(result.relaxed!.short, 800 - distinctPatches);
});

test('optidel: with enough diverse acquisitions nothing is relaxed and each gives at most twice its proportional share', () => {
  const { input } = mixedPool();
  const result = selectSubset('optidel', input, { budget: 15, seed: 3 });
  assert.equal(result.patches!.length, 60);
  assert.deepEqual(result.relaxed, {
    nearDuplicate: 0,
    acquisitionCap: 0,
    capDoublings: 0,
    short: 0,
    nearDuplicateDistance: 0.05,
    distanceHalvings: 0,
  });
  const taken = countBy(result.patches!, (id) => input.sources[input.keyPatches[id].sampleId]);
  // Quotas at factor 2: a volume ceil(2 x 60 x 60 / 240) = 30, a file ceil(2 x 60 / 240) = 1.
  for (const [source, n] of taken) assert.ok(n <= (source.includes('/ct/') ? 30 : 1), `${source}: ${n}`);
  for (let v = 0; v < 3; v++)
    assert.equal(taken.get(`/pool/ct/volume-${v}.nii.gz`), 1, 'one distinct slice per volume');
});

test('optidel lowers the near-duplicate distance only as far as the budget needs, and its picks keep that distance', () => {
  // 4 volumes of 50 slices, neighbours a small random-walk step apart: at 0.05 only a few slices
  // per volume are far enough apart for 4 x 30 key patches.
  const input = syntheticPool({ n: 200, dim: 16, sources: 4, seed: 5, step: 0.05 });
  const unit = normalizeRows(centreRows(input.embeddings, input.dim), input.dim);
  const distance = (a: number, b: number) => {
    let dot = 0;
    for (let d = 0; d < input.dim; d++) dot += unit[a * input.dim + d] * unit[b * input.dim + d];
    return 1 - dot;
  };
  const result = selectSubset('optidel', input, { budget: 30, seed: 1 });
  const relaxed = result.relaxed!;
  assert.equal(result.patches!.length, 120, 'the patch budget is exact');
  assert.ok(relaxed.distanceHalvings! > 0, JSON.stringify(relaxed));
  assert.equal(relaxed.nearDuplicate + relaxed.acquisitionCap + relaxed.short, 0, 'nothing went past the rules');
  assert.equal(relaxed.nearDuplicateDistance, 0.05 / 2 ** relaxed.distanceHalvings!);
  const selected = result.selected;
  let closest = Infinity;
  for (const a of selected) for (const b of selected) if (a < b) closest = Math.min(closest, distance(a, b));
  assert.ok(closest >= relaxed.nearDuplicateDistance! * (1 - 1e-4), `${closest} < ${relaxed.nearDuplicateDistance}`);
  // One halving fewer would not have filled the budget: the distance is as large as the budget allows.
  const wider = selectSubset('optidel', input, {
    budget: 30,
    seed: 1,
    optidel: { minCosineDistance: 2 * relaxed.nearDuplicateDistance! },
  });
  assert.equal(wider.relaxed!.distanceHalvings, 1);
});
