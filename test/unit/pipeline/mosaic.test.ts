import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { KeyPatch } from '../../../src/shared/artifacts';
import { groupPatches, makeMosaics } from '../../../src/engine/generate/mosaic';

const size = 8;
/** Sample s is filled with the value s + pixel index / 1000, so every copied pixel can be traced. */
const pixelsOf = (s: number) => Float32Array.from({ length: size * size }, (_, i) => s + i / 1000);
const patch = (id: number, sampleId: number, box: [number, number, number, number], difficulty: number): KeyPatch => ({
  id,
  sampleId,
  box,
  difficulty,
  origin: 'auto',
});

test('a 2x2 mosaic puts each half-size patch, copied exactly, in its quadrant in reading order', () => {
  const patches = [
    patch(0, 0, [0, 0, 4, 4], 4),
    patch(1, 1, [4, 0, 4, 4], 3),
    patch(2, 2, [0, 4, 4, 4], 2),
    patch(3, 3, [4, 4, 4, 4], 1),
  ];
  const { pixels, samples } = makeMosaics(patches, pixelsOf, ['a', 'b', 'c', 'd'], { imageSize: size, firstId: 100 });
  assert.equal(samples.length, 1);
  assert.equal(pixels.length, size * size);
  assert.deepEqual(samples[0], {
    id: 100,
    kind: 'mosaic',
    parts: patches.map((p) => ({ sampleId: p.sampleId, patchId: p.id, box: p.box })),
    note: '2x2, reading order',
  });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const quadrant = (y >= 4 ? 2 : 0) + (x >= 4 ? 1 : 0);
      const [bx, by] = patches[quadrant].box;
      const expected = pixelsOf(quadrant)[(by + (y % 4)) * size + bx + (x % 4)];
      assert.ok(Math.abs(pixels[y * size + x] - expected) < 1e-6, `pixel (${x}, ${y})`);
    }
  }
});

test('a larger patch is resized into its quadrant, corners kept', () => {
  const { pixels } = makeMosaics(
    [0, 1, 2, 3].map((s) => patch(s, s, [0, 0, 8, 8], 1)),
    pixelsOf,
    ['a', 'b', 'c', 'd'],
    { imageSize: size, firstId: 0 },
  );
  assert.ok(Math.abs(pixels[0] - pixelsOf(0)[0]) < 1e-6);
  assert.ok(Math.abs(pixels[3 * size + 3] - pixelsOf(0)[size * size - 1]) < 1e-6);
  assert.ok(Math.abs(pixels[4 * size + 4] - pixelsOf(3)[0]) < 1e-6);
});

test('mosaics mix sources, hardest first; leftovers make no mosaic', () => {
  // Sources: samples 0-3 from "a", 4-7 from "b", 8 from "c", 9 from "d".
  const sources = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'd'];
  const patches = sources.map((_, s) => patch(s, s, [0, 0, 4, 4], 10 - s));
  const groups = groupPatches(patches, 4, sources);
  assert.equal(groups.length, 2);
  assert.deepEqual(
    groups[0].map((p) => p.sampleId),
    [0, 4, 8, 9],
  );
  assert.equal(new Set(groups[1].map((p) => p.sampleId)).size, 4, 'when sources run out, distinct samples');
  const { samples } = makeMosaics(patches, pixelsOf, sources, { imageSize: size, firstId: 10 });
  assert.deepEqual(
    samples.map((s) => s.id),
    [10, 11],
  );
});
