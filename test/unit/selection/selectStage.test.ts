/** The select stage: relaxed picks reach the selection file and the log; V-information is measured on what the method trains on; the hierarchical path is recorded. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KeyPatch, SelectionFile } from '../../../src/shared/artifacts';
import type { PoolCache } from '../../../src/engine/data/cache';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { reselectionOptions, selectStage } from '../../../src/engine/pipeline/selectStage';
import { selectSubset } from '../../../src/engine/selection/methods';
import { memoryReader, syntheticImages, useWasm } from '../model/helpers';
import { recordingContext } from '../data/context';
import { syntheticPool } from './syntheticPool';

test("select stage: relaxed picks in the selection file and the log; optidel's V-information is on its mosaics, with intervals", async () => {
  await useWasm();
  const n = 40;
  // Two volumes of 20 adjacent slices: too few distinct samples for 4 x 10 key patches.
  const pool = syntheticPool({ n, dim: 8, sources: 2, seed: 2, step: 0.002 });
  const keyPatches: KeyPatch[] = Array.from({ length: 2 * n }, (_, id) => ({
    id,
    sampleId: id >> 1,
    box: id % 2 ? [8, 8, 8, 8] : [0, 0, 8, 8],
    difficulty: pool.difficulty[id >> 1],
    origin: 'auto',
  }));
  const cache = memoryReader(syntheticImages(n, 16, 3), 16) as unknown as PoolCache;
  const model = MaeModel.create(maeConfig('micro'), 1);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-select-'));
  fs.mkdirSync(path.join(runDir, 'selection'));
  try {
    const ctx = recordingContext();
    const selection = await selectStage(
      runDir,
      { ...pool, keyPatches },
      cache,
      model,
      { method: 'optidel', budget: 10, seed: 1 },
      ctx,
    );
    const written = JSON.parse(
      fs.readFileSync(path.join(runDir, 'selection', 'optidel.json'), 'utf8'),
    ) as SelectionFile;
    assert.equal(written.patches!.length, 40, 'the patch budget is exact');
    const relaxed = written.relaxed!;
    assert.ok(relaxed.nearDuplicate > 0, `near-identical slices had to be relaxed: ${JSON.stringify(relaxed)}`);
    assert.deepEqual(selection.relaxed, relaxed);
    assert.ok(
      ctx.logs.some((l) => l.startsWith('warn: ') && l.includes(`${relaxed.nearDuplicate} near-duplicates`)),
      ctx.logs.join('\n'),
    );
    const v = written.vInformation!;
    assert.equal(v.measuredOn, 'mosaics');
    assert.equal(v.images, 10, 'B mosaics, what optidel trains on');
    assert.ok(Math.abs(v.value - (v.hYEmpty - v.hYGivenX)) < 1e-12);
    for (const key of ['hYEmpty', 'hYGivenX', 'value'] as const)
      assert.ok(v.interval![key][0] <= v[key] && v[key] <= v.interval![key][1], key);

    const kcenter = await selectStage(
      runDir,
      pool,
      cache,
      model,
      { method: 'kcenter', budget: 10, seed: 1 },
      recordingContext(),
    );
    assert.equal(kcenter.relaxed, undefined);
    assert.equal(kcenter.vInformation!.measuredOn, 'selected images');
    assert.equal(kcenter.vInformation!.images, 10);
    const readKcenter = () =>
      JSON.parse(fs.readFileSync(path.join(runDir, 'selection', 'kcenter.json'), 'utf8')) as SelectionFile;
    assert.equal(readKcenter().options?.hierarchical, undefined, 'the exact path says nothing');
    assert.deepEqual(reselectionOptions(readKcenter()), { budget: 10, seed: 1 }, 'reselected exactly');
    // The hierarchical path is recorded with its branching, so a reselection between rounds (trainStage.ts) takes it again.
    const hierarchical = await selectStage(
      runDir,
      pool,
      cache,
      model,
      { method: 'kcenter', budget: 10, seed: 1, hierarchical: true, branching: 2 },
      recordingContext(),
    );
    const recorded = readKcenter().options?.hierarchical;
    assert.equal(recorded?.branching, 2);
    // 40 rows in leaves of at most 40 / 10 = 4: at least 10 leaves, which two children per cluster reach in 4 levels or more.
    assert.ok(recorded!.leaves >= 10 && recorded!.levels >= 4, JSON.stringify(recorded));
    const again = reselectionOptions(readKcenter());
    assert.deepEqual(again, { hierarchical: true, branching: 2, budget: 10, seed: 1 });
    assert.deepEqual(selectSubset('kcenter', pool, again).selected, hierarchical.selected, 'the same path again');
    assert.notDeepEqual(
      selectSubset('kcenter', pool, { ...again, branching: undefined }).selected,
      hierarchical.selected,
      'the branching matters: without it the default makes another subset',
    );
  } finally {
    model.dispose();
  }
});
