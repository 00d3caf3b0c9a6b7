/** The compact set is the budget: B images for a budget of B, whatever generation and hardening do. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { KeyPatch } from '../../../src/shared/artifacts';
import { buildCompactSet, compactSetSize, NO_ADVERSARIAL } from '../../../src/engine/pipeline/compactSet';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { memoryReader, syntheticImages, useWasm } from '../model/helpers';

const size = 16;
const poolSize = 20;
const cache = memoryReader(syntheticImages(poolSize, size, 11), size);
const sources = Array.from({ length: poolSize }, (_, i) => `volume-${i % 5}`);
/** Two key patches per pool sample, harder for higher ids. */
const keyPatches: KeyPatch[] = Array.from({ length: 2 * poolSize }, (_, id) => ({
  id,
  sampleId: id >> 1,
  box: [(id % 2) * 8, 0, 8, 8],
  difficulty: id / 100,
  origin: 'auto',
}));
const budget = 3;
/** An OptiDEL-style selection: M x B = 12 key patches from 6 samples. */
const patchSelection = {
  method: 'optidel',
  selected: [14, 15, 16, 17, 18, 19],
  patches: Array.from({ length: 4 * budget }, (_, k) => 28 + k),
};

test('a key-patch selection trains on its B mosaics and no source image', async () => {
  const set = await buildCompactSet(patchSelection, keyPatches, sources, cache, undefined, {
    adversarial: NO_ADVERSARIAL,
    seed: 1,
  });
  assert.equal(compactSetSize(set), budget);
  assert.deepEqual(set.ids, []);
  assert.equal(set.samples.length, budget);
  assert.ok(set.samples.every((s) => s.kind === 'mosaic' && s.parts.length === 4));
  assert.deepEqual(
    set.samples.map((s) => s.id),
    [poolSize, poolSize + 1, poolSize + 2],
  );
  assert.equal(set.pixels.length, budget * size * size);
});

test('source images come in only when asked, and are counted', async () => {
  const both = await buildCompactSet(patchSelection, keyPatches, sources, cache, undefined, {
    images: 'mosaics+selected',
    adversarial: NO_ADVERSARIAL,
    seed: 1,
  });
  assert.deepEqual(both.ids, patchSelection.selected);
  assert.equal(compactSetSize(both), budget + patchSelection.selected.length);
  const alone = await buildCompactSet(patchSelection, keyPatches, sources, cache, undefined, {
    images: 'selected',
    adversarial: NO_ADVERSARIAL,
    seed: 1,
  });
  assert.deepEqual(alone.ids, patchSelection.selected);
  assert.equal(alone.samples.length, 0);
});

test('hand curation: an included image joins the mosaics, an excluded one gives no patches', async () => {
  const set = await buildCompactSet(
    { ...patchSelection, manual: { include: [2], exclude: [19] } },
    keyPatches,
    sources,
    cache,
    undefined,
    { adversarial: NO_ADVERSARIAL, seed: 1 },
  );
  assert.deepEqual(set.ids, [2]);
  assert.ok(set.samples.every((s) => s.parts.every((p) => p.sampleId !== 19)));
  assert.equal(set.samples.length, 2, 'the 10 patches left make 2 mosaics');
});

test('a selection without key patches trains on its images', async () => {
  const set = await buildCompactSet({ method: 'kcenter', selected: [0, 5, 9] }, keyPatches, sources, cache, undefined, {
    adversarial: { ...NO_ADVERSARIAL, fraction: 1 },
    seed: 1,
  });
  assert.deepEqual(set.ids, [0, 5, 9], 'no model: nothing is hardened');
  assert.equal(set.images, 'selected images');
});

test('adversarial hardening replaces members in place: the count stays the budget', async () => {
  await useWasm();
  const model = MaeModel.create(maeConfig('micro'), 3);
  try {
    const plain = await buildCompactSet(
      { ...patchSelection, manual: { include: [2, 3], exclude: [] } },
      keyPatches,
      sources,
      cache,
      undefined,
      { adversarial: NO_ADVERSARIAL, seed: 1 },
    );
    const hardened = await buildCompactSet(
      { ...patchSelection, manual: { include: [2, 3], exclude: [] } },
      keyPatches,
      sources,
      cache,
      model,
      { adversarial: { fraction: 0.8, candidates: 3, steps: 1, epsilon: 0, stepSize: 0.01 }, seed: 1 },
    );
    assert.equal(compactSetSize(plain), budget + 2);
    assert.equal(compactSetSize(hardened), compactSetSize(plain), 'hardening adds no image');
    // round(0.8 x 5) = 4 members: the 3 mosaics, then pool image 2, which leaves the pool list.
    assert.deepEqual(hardened.ids, [3]);
    const replaced = hardened.samples.filter((s) => s.kind === 'adversarial');
    assert.deepEqual(
      replaced.map((s) => s.parts[0]!.sampleId),
      [2],
    );
    assert.equal(hardened.samples.filter((s) => s.hardened).length, 4);
    assert.equal(hardened.pixels.length, hardened.samples.length * size * size);
    const area = size * size;
    const mosaicChanged = hardened.pixels.subarray(0, area).some((v, i) => Math.abs(v - plain.pixels[i]!) > 1e-4);
    assert.ok(mosaicChanged || hardened.samples[0]!.hardened!.startsWith('gamma 1.00, contrast x1.00'));
  } finally {
    model.dispose();
  }
});

test('a selection naming a sample outside the pool is refused with the file to fix, before anything trains', async () => {
  await assert.rejects(
    buildCompactSet(
      { ...patchSelection, manual: { include: [99_999], exclude: [] } },
      keyPatches,
      sources,
      cache,
      undefined,
      { adversarial: NO_ADVERSARIAL, seed: 1 },
    ),
    /selection\/optidel\.json names sample 99999 .*which the pool of 20 does not hold/,
  );
});
