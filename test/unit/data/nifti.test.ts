/** The NIfTI loader against files written by an independent writer (Python + numpy). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNifti } from '../../../src/engine/data/formats/nifti';
import { UnusableFileError } from '../../../src/engine/data/formats/errors';
import { planSlices } from '../../../src/engine/data/volume';
import { fixtureValue, independentFixtures } from './independentFixtures';

const LIMIT = { maxVoxels: 10_000_000, maxBytes: 100_000_000 };

/** The axial slice z as displayed: row 0 is the most anterior (largest y), columns run along +x. */
async function axial(
  file: string,
  z: number,
  frame = 0,
): Promise<{ width: number; height: number; pixels: Float32Array }> {
  const volume = await readNifti(path.join(independentFixtures(), file), LIMIT);
  const plan = planSlices(volume, 2);
  const pixels = new Float32Array(plan.width * plan.height);
  plan.extract(z, frame, pixels);
  return { width: plan.width, height: plan.height, pixels };
}

function expectedAxial(z: number, map: (v: number) => number, t = 0): number[] {
  const out: number[] = [];
  for (let row = 0; row < 4; row++) for (let x = 0; x < 5; x++) out.push(map(fixtureValue(x, 3 - row, z, t)));
  return out;
}

test('every data type reads its known voxel values, with scl_slope and scl_inter applied', async () => {
  const cases: Array<[string, (v: number) => number]> = [
    ['int16.nii', (v) => 2 * v - 5],
    ['uint8.nii.gz', (v) => v],
    ['uint16.nii', (v) => 0.5 * v + 10],
    ['int32.nii', (v) => v],
    ['float32_be.nii', (v) => v],
    ['float64.nii.gz', (v) => v],
  ];
  for (const [file, map] of cases) {
    for (const z of [0, 2]) {
      const slice = await axial(file, z);
      assert.equal(slice.width, 5, file);
      assert.equal(slice.height, 4, file);
      assert.deepEqual([...slice.pixels], expectedAxial(z, map), `${file} z=${z}`);
    }
  }
});

test('orientation from the sform and from a qform rotation gives the same display as the plain file', async () => {
  for (const file of ['flipped_x.nii', 'qform_rot180z.nii']) {
    const slice = await axial(file, 1);
    assert.deepEqual(
      [...slice.pixels],
      expectedAxial(1, (v) => v),
      file,
    );
  }
});

test('a 4D file exposes its frames', async () => {
  const volume = await readNifti(path.join(independentFixtures(), 'four_d.nii'), LIMIT);
  assert.equal(volume.frames, 2);
  assert.deepEqual(
    [...(await axial('four_d.nii', 2, 1)).pixels],
    expectedAxial(2, (v) => v, 1),
  );
});

test('coronal and sagittal slices are cut along the right axes with superior at the top', async () => {
  const volume = await readNifti(path.join(independentFixtures(), 'uint8.nii.gz'), LIMIT);
  const coronal = planSlices(volume, 1);
  const c = new Float32Array(coronal.width * coronal.height);
  coronal.extract(2, 0, c); // y = 2
  assert.deepEqual([coronal.width, coronal.height], [5, 3]);
  assert.equal(c[0], fixtureValue(0, 2, 2)); // top-left: x = 0, top z
  assert.equal(c[5 * 2 + 4], fixtureValue(4, 2, 0)); // bottom-right: x = 4, z = 0
  assert.deepEqual(coronal.pixelSpacing, [1, 2]);
  const sagittal = planSlices(volume, 0);
  const s = new Float32Array(sagittal.width * sagittal.height);
  sagittal.extract(1, 0, s); // x = 1
  assert.deepEqual([sagittal.width, sagittal.height], [4, 3]);
  assert.equal(s[0], fixtureValue(1, 3, 2)); // anterior on the left, superior at the top
});

test('an absurd header is refused before allocating, naming the limit', async () => {
  await assert.rejects(
    readNifti(path.join(independentFixtures(), 'huge_header.nii'), LIMIT),
    (err: Error) =>
      err instanceof UnusableFileError && /over the limit/.test(err.message) && /maxVoxels/.test(err.message),
  );
});
