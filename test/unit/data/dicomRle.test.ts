/**
 * DICOM RLE Lossless against files pydicom compressed, and uncompressed planar RGB frames pydicom
 * wrote, held to the pixels pydicom itself decodes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDicomHeader, readDicomPixels } from '../../../src/engine/data/formats/dicom';
import { readDicomSeries } from '../../../src/engine/data/formats/dicomSeries';
import { UnusableFileError } from '../../../src/engine/data/formats/errors';
import type { Volume } from '../../../src/engine/data/volume';
import { libraryFixtures } from './independentFixtures';

const LIMITS = { maxVoxels: 1_000_000, maxBytes: 10_000_000 };
const fixtures = libraryFixtures('pydicom');
const skip = 'skip' in fixtures ? fixtures.skip : false;
const dir = () => (fixtures as { dir: string }).dir;
/** Per file: frames of rows of pixel values (RGB: of [r, g, b]) as pydicom decodes them. */
const manifest = () =>
  JSON.parse(fs.readFileSync(path.join(dir(), 'manifest.json'), 'utf8')) as Record<string, unknown[][][]>;

test(
  'each file decodes to the pixels pydicom decodes: RLE signed 16-bit, 3 frames of 8-bit, RGB; planar RGB frames',
  { skip },
  async () => {
    for (const [name, frames] of Object.entries(manifest())) {
      const file = path.join(dir(), name);
      const pixels = await readDicomPixels(await readDicomHeader(file, LIMITS));
      const expected = frames.flat(2).map((v) =>
        // RGB becomes gray by Rec. 709 luminance, as every colour DICOM does.
        Array.isArray(v) ? Math.round(0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]) : (v as number),
      );
      assert.deepEqual([...pixels], expected, name);
    }
  },
);

test('an RLE series stacks by position with its rescale applied', { skip }, async () => {
  const folder = path.join(dir(), 'dicom_rle');
  const volumes: Volume[] = [];
  for await (const outcome of readDicomSeries(
    fs.readdirSync(folder).map((f) => path.join(folder, f)),
    LIMITS,
  )) {
    assert.ok(!('error' in outcome), 'error' in outcome ? String(outcome.error) : '');
    if (!('error' in outcome)) volumes.push(outcome.volume);
  }
  assert.equal(volumes.length, 1);
  const [volume] = volumes;
  assert.deepEqual(volume.dims, [6, 5, 4]);
  assert.equal(volume.intercept, -1024);
  // Slice k (by position) holds c + 10 r + 100 k - 200, its last row -7.
  for (const k of [0, 3])
    for (const [r, c] of [
      [0, 0],
      [2, 5],
      [4, 1],
    ]) {
      const stored = volume.voxels[k * 30 + r * 6 + c];
      assert.equal(stored, r === 4 ? -7 : c + 10 * r + 100 * k - 200, `k=${k} r=${r} c=${c}`);
    }
});

test('crafted RLE frames are refused, never read past their end', { skip }, async () => {
  const original = fs.readFileSync(path.join(dir(), 'rle_frames.dcm'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-rle-'));
  // The first fragment's RLE header: after the offset table item (8 bytes + its length) and the item header.
  const pixelData = original.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  const table = pixelData + 12;
  const firstFrame = table + 8 + original.readUInt32LE(table + 4) + 8;
  const attacks: Array<[string, (b: Buffer) => void, RegExp]> = [
    [
      'segments.dcm',
      (b) => b.writeUInt32LE(15, firstFrame),
      /RLE frame 1 has 15 segments; 1 sample\(s\) of 1 byte\(s\) need 1/,
    ],
    ['offset.dcm', (b) => b.writeUInt32LE(0x7fffffff, firstFrame + 4), /RLE frame 1: segment 1 lies outside the frame/],
    [
      'fragment.dcm',
      (b) => b.writeUInt32LE(0x7fffff00, firstFrame - 4),
      /a pixel data fragment runs past the end of the file/,
    ],
  ];
  for (const [name, damage, expected] of attacks) {
    const bytes = Buffer.from(original);
    damage(bytes);
    const file = path.join(tmp, name);
    fs.writeFileSync(file, bytes);
    await assert.rejects(
      readDicomPixels(await readDicomHeader(file, LIMITS)),
      (err: Error) =>
        err instanceof UnusableFileError && err.message.startsWith(`${file}: `) && expected.test(err.message),
      name,
    );
  }
  // Cut inside the fragments, and right after the pixel data's element header.
  for (const length of [original.length - 40, pixelData + 12]) {
    const cut = path.join(tmp, `cut-${length}.dcm`);
    fs.writeFileSync(cut, original.subarray(0, length));
    await assert.rejects(
      readDicomPixels(await readDicomHeader(cut, LIMITS)),
      (err: Error) => err instanceof UnusableFileError && /truncated/.test(err.message),
    );
  }
});
