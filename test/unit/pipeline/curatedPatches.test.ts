/**
 * A selection file names the key patches its compact set is built from (`patches`), and a shared
 * run folder's can name one patch any number of times: 50,000 times in a 250 KB file made
 * synthesize build 12,500 mosaics of it (60 s of CPU and 3.6 times the memory on a 32 px pool,
 * more with the image area) where one patch makes one. Each patch counts once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyPatch } from '../../../src/shared/artifacts';
import { curated } from '../../../src/engine/pipeline/runArtifacts';

const keyPatches: KeyPatch[] = [
  { id: 0, sampleId: 4, box: [0, 0, 8, 8], origin: 'auto' },
  { id: 1, sampleId: 5, box: [0, 0, 8, 8], origin: 'auto' },
];

test('a key patch named many times in a selection file is used once, in the order first named', () => {
  const selection = { selected: [4, 5, 4], patches: [1, ...Array.from({ length: 50_000 }, () => 0), 1] };
  assert.deepEqual(curated(selection, keyPatches), { ids: [4, 5], patchIds: [1, 0] });
});

test("an excluded sample's patches are still left out", () => {
  const selection = { selected: [4, 5], patches: [0, 1, 0], manual: { include: [], exclude: [5] } };
  assert.deepEqual(curated(selection, keyPatches), { ids: [4], patchIds: [0] });
});
