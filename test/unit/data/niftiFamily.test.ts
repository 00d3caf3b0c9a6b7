/** NIfTI-2, NIfTI header/image pairs and Analyze 7.5 against files nibabel wrote, held to nibabel's own reading. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnusableFileError } from '../../../src/engine/data/formats/errors';
import { readNifti } from '../../../src/engine/data/formats/nifti';
import { planSlices } from '../../../src/engine/data/volume';
import { fixtureValue, libraryFixtures } from './independentFixtures';

const LIMITS = { maxVoxels: 1_000_000, maxBytes: 10_000_000 };
const fixtures = libraryFixtures('nibabel');
const skip = 'skip' in fixtures ? fixtures.skip : false;
const dir = () => (fixtures as { dir: string }).dir;

interface Written {
  shape: number[];
  affine: number[][];
}

const manifest = (): Record<string, Written> =>
  JSON.parse(fs.readFileSync(path.join(dir(), 'manifest.json'), 'utf8')) as Record<string, Written>;

test('every file reads as nibabel reads it: shape, affine, scaled real values', { skip }, async () => {
  const files = manifest();
  assert.equal(Object.keys(files).length, 8);
  for (const [name, written] of Object.entries(files)) {
    const volume = await readNifti(path.join(dir(), name), LIMITS);
    assert.deepEqual([...volume.dims, volume.frames], [...written.shape, 1].slice(0, 4), name);
    for (let axis = 0; axis < 3; axis++)
      assert.deepEqual(
        volume.axes[axis],
        [0, 1, 2].map((row) => written.affine[row][axis]),
        `${name} axis ${axis}`,
      );
    const bytes = fs.readFileSync(path.join(dir(), `${name}.f64`));
    const expected = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    assert.equal(volume.voxels.length, expected.length, name);
    for (let i = 0; i < expected.length; i++) {
      const real = volume.voxels[i] * volume.slope + volume.intercept;
      assert.ok(Math.abs(real - expected[i]) < 1e-9 * Math.max(1, Math.abs(expected[i])), `${name} voxel ${i}`);
    }
  }
});

test('the known voxel values come through: scaling, big-endian data, a pair, Analyze', { skip }, async () => {
  const near = async (name: string, map: (v: number) => number, tolerance: number) => {
    const volume = await readNifti(path.join(dir(), name), LIMITS);
    let i = 0;
    for (let z = 0; z < 3; z++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 5; x++, i++) {
          const real = volume.voxels[i] * volume.slope + volume.intercept;
          assert.ok(Math.abs(real - map(fixtureValue(x, y, z))) <= tolerance, `${name} (${x}, ${y}, ${z}): ${real}`);
        }
  };
  // nibabel chose the int16 scaling itself: the values are exact to half a step of it.
  await near('nifti2_int16_scaled.nii', (v) => 2 * v - 5.5, 0.01);
  await near('nifti2_float32_be.nii.gz', (v) => v, 0);
  await near('nifti2_pair.hdr', (v) => v, 0);
  await near('nifti1_pair.hdr', (v) => v, 0);
  await near('analyze_int16_be.hdr', (v) => v, 0);
  await near('analyze_float32.hdr', (v) => v / 4, 0);
});

test(
  'a flipped 4D NIfTI-2 displays like the plain file; Analyze is shown with x running right to left',
  { skip },
  async () => {
    const flipped = await readNifti(path.join(dir(), 'nifti2_uint16_4d_flipped.nii'), LIMITS);
    assert.equal(flipped.frames, 2);
    const plan = planSlices(flipped, 2);
    const pixels = new Float32Array(plan.width * plan.height);
    plan.extract(1, 1, pixels);
    // Row 0 is the most anterior (y = 3), columns run along +x after the flip is undone.
    assert.deepEqual(
      [...pixels.subarray(0, 5)],
      [0, 1, 2, 3, 4].map((x) => fixtureValue(x, 3, 1, 1)),
    );
    const analyze = await readNifti(path.join(dir(), 'analyze_uint8.hdr'), LIMITS);
    const analyzePlan = planSlices(analyze, 2);
    analyzePlan.extract(1, 0, pixels);
    assert.deepEqual(
      [...pixels.subarray(0, 5)],
      [4, 3, 2, 1, 0].map((x) => fixtureValue(x, 3, 1)),
    );
    assert.equal(analyze.hints.eightBit, true);
  },
);

test(
  'a pair without its image, a pair header named .nii and an over-budget NIfTI-2 are refused by name',
  { skip },
  async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-pairs-'));
    const alone = path.join(tmp, 'alone.hdr');
    fs.copyFileSync(path.join(dir(), 'nifti2_pair.hdr'), alone);
    await assert.rejects(
      readNifti(alone, LIMITS),
      (err: Error) =>
        err instanceof UnusableFileError && err.message.includes(`the image file ${path.join(tmp, 'alone')}.img`),
    );
    const misnamed = path.join(tmp, 'pair.nii');
    fs.copyFileSync(path.join(dir(), 'nifti2_pair.hdr'), misnamed);
    await assert.rejects(readNifti(misnamed, LIMITS), /header\/image pair; name it \.hdr/);
    await assert.rejects(
      readNifti(path.join(dir(), 'nifti2_int16_scaled.nii'), { maxVoxels: 1_000_000, maxBytes: 100 }),
      (err: Error) =>
        err instanceof UnusableFileError && /over the limit of .* \(raise ingest\.maxBytes/.test(err.message),
    );
    const short = path.join(tmp, 'short.nii');
    const whole = fs.readFileSync(path.join(dir(), 'nifti2_int16_scaled.nii'));
    fs.writeFileSync(short, whole.subarray(0, whole.length - 10));
    await assert.rejects(
      readNifti(short, LIMITS),
      /truncated: the header declares 120 bytes of voxels, the file has 110/,
    );
  },
);
