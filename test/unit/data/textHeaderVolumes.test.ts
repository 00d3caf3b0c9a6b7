/** MetaImage and NRRD against files written by an independent writer (Python + numpy), and hostile data file names. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnusableFileError } from '../../../src/engine/data/formats/errors';
import { readVolumeFile } from '../../../src/engine/data/formats/volumeFile';
import type { Volume } from '../../../src/engine/data/volume';
import { planSlices } from '../../../src/engine/data/volume';
import { fixtureValue, independentFixtures } from './independentFixtures';

const LIMITS = { maxVoxels: 1_000_000, maxBytes: 10_000_000 };

const read = (name: string) => readVolumeFile(path.join(independentFixtures(), name), LIMITS);

/** Every axial slice of frame `frame` as displayed. */
function axialSlices(volume: Volume, frame = 0): number[][] {
  const plan = planSlices(volume, 2);
  return Array.from({ length: plan.count }, (_, z) => {
    const pixels = new Float32Array(plan.width * plan.height);
    plan.extract(z, frame, pixels);
    return [...pixels];
  });
}

/** The stored voxels in file order, scaled to real values. */
function realValues(volume: Volume): number[] {
  return Array.from(volume.voxels, (v) => v * volume.slope + volume.intercept);
}

const known = (map: (v: number) => number = (v) => v, t = 0) => {
  const out: number[] = [];
  for (let z = 0; z < 3; z++)
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) out.push(map(fixtureValue(x, y, z, t)));
  return out;
};

test('MetaImage: local and detached data, zlib, big endian, header skip, data at the end, LPS directions', async () => {
  const plain = await read('mha_int16.mha');
  assert.deepEqual(plain.dims, [5, 4, 3]);
  assert.deepEqual(realValues(plain), known());
  // ITK's identity directions are LPS: in RAS+ the voxel axes run left and posterior.
  assert.deepEqual(plain.axes, [
    [-1, 0, 0],
    [0, -1, 0],
    [0, 0, 2],
  ]);
  assert.deepEqual(realValues(await read('mhd_uint16.mhd')), known());
  assert.deepEqual(
    realValues(await read('mhd_sub.mhd')),
    known((v) => v % 128),
  );
  // Stored reversed along x and y in LPS: displays exactly like the NIfTI file of the same anatomy.
  const reference = axialSlices(await read('int32.nii'));
  assert.deepEqual(axialSlices(await read('mha_zlib_be.mha')), reference);
});

test('NRRD: raw and gzip, attached and detached, endian, byte skip, space directions, 4D', async () => {
  const raw = await read('nrrd_raw.nrrd');
  assert.deepEqual(realValues(raw), known());
  assert.deepEqual(raw.axes, [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 2],
  ]);
  const reference = axialSlices(await read('int32.nii'));
  assert.deepEqual(axialSlices(raw), reference);
  assert.deepEqual(axialSlices(await read('nrrd_gzip_be.nrrd')), reference);
  const detached = await read('nrrd_detached.nhdr');
  assert.deepEqual(realValues(detached), known());
  assert.deepEqual(detached.axes[2], [0, 0, 2]);
  assert.equal(detached.hints.eightBit, true);
  assert.deepEqual(realValues(await read('nrrd_skip_end.nhdr')), known());
  const fourD = await read('nrrd_4d.nrrd');
  assert.equal(fourD.frames, 2);
  assert.deepEqual(
    realValues(fourD).slice(60),
    known((v) => v, 1),
  );
});

/** Writes a header into a fresh folder beside a real file outside it, so a refusal is not just a missing file. */
function hostile(name: string, header: string): { file: string; outside: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-detached-'));
  fs.mkdirSync(path.join(root, 'pool'));
  const outside = path.join(root, 'secret.raw');
  fs.writeFileSync(outside, Buffer.alloc(5 * 4 * 3, 7));
  const file = path.join(root, 'pool', name);
  fs.writeFileSync(file, header.replaceAll('OUTSIDE', outside));
  return { file, outside };
}

test('a detached data file outside the header folder is refused naming the header and the file', async () => {
  const mhd = (target: string) =>
    `ObjectType = Image\nNDims = 3\nDimSize = 5 4 3\nElementType = MET_UCHAR\nElementDataFile = ${target}\n`;
  const nhdr = (target: string) =>
    `NRRD0004\ntype: uint8\ndimension: 3\nsizes: 5 4 3\nencoding: raw\ndata file: ${target}\n`;
  const attacks: Array<[string, string]> = [
    ['abs.mhd', mhd('/etc/passwd')],
    ['outside.mhd', mhd('OUTSIDE')],
    ['up.mhd', mhd('../secret.raw')],
    ['sneaky.mhd', mhd('data/../../secret.raw')],
    ['self.mhd', mhd('.')],
    ['abs.nhdr', nhdr('/etc/passwd')],
    ['up.nhdr', nhdr('../secret.raw')],
    ['outside.nhdr', nhdr('OUTSIDE')],
  ];
  for (const [name, header] of attacks) {
    const { file } = hostile(name, header);
    const named = /(?:ElementDataFile = |data file: )(.*)\n/.exec(fs.readFileSync(file, 'utf8'))![1];
    await assert.rejects(
      readVolumeFile(file, LIMITS),
      (err: Error) =>
        err instanceof UnusableFileError &&
        err.message.startsWith(`${file}: `) &&
        err.message.includes(`"${named}", which is outside this file's folder`),
      name,
    );
  }
});

test('unsupported or inconsistent headers are refused with the field and the fix', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-headers-'));
  const cases: Array<[string, string, RegExp]> = [
    [
      'rgb.mha',
      'NDims = 2\nDimSize = 4 4\nElementNumberOfChannels = 3\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n',
      /3 channels per voxel/,
    ],
    [
      'long.mha',
      'NDims = 2\nDimSize = 4 4\nElementType = MET_LONG_LONG\nElementDataFile = LOCAL\n',
      /ElementType MET_LONG_LONG is not supported; use one of MET_UCHAR/,
    ],
    [
      'list.mhd',
      'NDims = 3\nDimSize = 4 4 2\nElementType = MET_UCHAR\nElementDataFile = slice%03d.raw 1 2 1\n',
      /spreads the voxels over several files/,
    ],
    [
      'huge.mha',
      'NDims = 3\nDimSize = 4000 4000 4000\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n',
      /over the limit of 2,000,000 \(raise ingest\.maxVoxels/,
    ],
    [
      'short.mha',
      'NDims = 2\nDimSize = 4 4\nElementType = MET_SHORT\nElementDataFile = LOCAL\nabc',
      /truncated: the header declares 32 bytes of voxels, the file has 3/,
    ],
    [
      'bz.nrrd',
      'NRRD0004\ntype: uint8\ndimension: 2\nsizes: 4 4\nencoding: bzip2\n\n',
      /encoding "bzip2" is not supported; save it with encoding raw or gzip/,
    ],
    [
      'noendian.nrrd',
      'NRRD0004\ntype: short\ndimension: 2\nsizes: 4 4\nencoding: raw\n\n',
      /needs "endian: little" or "endian: big"/,
    ],
    [
      'rgb.nrrd',
      'NRRD0004\ntype: uint8\ndimension: 3\nsizes: 3 4 4\nkinds: RGB-color domain domain\nencoding: raw\n\n',
      /first axis holds rgb-color per voxel/,
    ],
    [
      'skip.nrrd',
      'NRRD0004\ntype: uint8\ndimension: 2\nsizes: 4 4\nencoding: gzip\nbyte skip: 100000000\n\n',
      /puts the voxels 100,000,000 bytes into the gzip data, more than the 67,108,864 a genuine file needs/,
    ],
    [
      'skip20.nrrd',
      'NRRD0004\ntype: uint8\ndimension: 2\nsizes: 4 4\nencoding: gzip\nbyte skip: 100000000000000000000\n\n',
      /puts the voxels at an invalid offset/,
    ],
    ['magic.nrrd', 'NRRD9\ntype: uint8\n\n', /not a NRRD file/],
    [
      'bomb.nrrd',
      'NRRD0004\ntype: double\ndimension: 3\nsizes: 100 100 150\nendian: little\nencoding: gzip\n\n',
      /over the limit of 9.5 MiB \(raise ingest\.maxBytes/,
    ],
  ];
  for (const [name, text, expected] of cases) {
    const file = path.join(root, name);
    fs.writeFileSync(file, text);
    await assert.rejects(
      readVolumeFile(file, { maxVoxels: 2_000_000, maxBytes: 10_000_000 }),
      (err: Error) =>
        err instanceof UnusableFileError && err.message.startsWith(`${file}: `) && expected.test(err.message),
      name,
    );
  }
});
