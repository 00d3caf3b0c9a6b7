/** 2D loaders (sharp for PNG/TIFF, our BMP decoder) against files written by an independent writer. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeGray } from '../../../src/engine/data/formats/raster';
import { rasterSample } from '../../../src/engine/data/rasterSamples';
import { independentFixtures } from './independentFixtures';

const file = (name: string) => path.join(independentFixtures(), name);

test('8-bit PNG, TIFF and BMP decode to the same known gray values', async () => {
  const expected: number[] = [];
  for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) expected.push(10 * x + 3 * y);
  for (const name of ['gray8.png', 'gray8.tif', 'gray8.bmp']) {
    const image = await decodeGray(file(name), 1e6);
    assert.deepEqual([image.width, image.height, image.eightBit], [7, 5, true], name);
    assert.deepEqual([...image.values], expected, name);
  }
});

test('16-bit PNG keeps its full range and is scaled by percentiles', async () => {
  const image = await decodeGray(file('gray16.png'), 1e6);
  assert.equal(image.eightBit, false);
  assert.equal(image.values[5 * 7 - 1], 1000 * 6 + 7 * 4);
  const sample = await rasterSample(file('gray16.png'), 8, undefined, 0, 1e6);
  assert.ok(!('empty' in sample));
  assert.match(sample.provenance.intensity, /^percentile/);
  assert.deepEqual(sample.provenance.originalSize, [7, 5]);
});

test('RGB is converted to luminance', async () => {
  const image = await decodeGray(file('rgb.png'), 1e6);
  const [red, green, blue, white] = image.values;
  assert.ok(green > red && red > blue, `${red} ${green} ${blue}`);
  assert.equal(white, 255);
});

test('the fast 8-bit path pads to the square keeping the aspect ratio', async () => {
  const sample = await rasterSample(file('gray8.png'), 14, undefined, 0, 1e6);
  assert.ok(!('empty' in sample));
  // 7 x 5 into 14 x 14: content 14 x 10, two padding rows above and below.
  for (const row of [0, 1, 12, 13])
    assert.ok(
      sample.pixels.subarray(row * 14, row * 14 + 14).every((v) => v === 0),
      `row ${row} is padding`,
    );
  assert.ok(sample.pixels.subarray(2 * 14, 12 * 14).some((v) => v > 0));
  assert.equal(sample.provenance.intensity, '8-bit');
});

test('pixels over the limit are refused', async () => {
  await assert.rejects(decodeGray(file('gray8.png'), 10), /over the limit/);
  await assert.rejects(decodeGray(file('gray8.bmp'), 10), /over the limit/);
});

test('JPEG decodes through sharp to close gray values (lossy)', async () => {
  const sharp = (await import('sharp')).default;
  const pixels = new Uint8Array(16 * 16);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) pixels[y * 16 + x] = x < 8 ? 40 : 200;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-jpeg-')), 'halves.jpg');
  await sharp(pixels, { raw: { width: 16, height: 16, channels: 1 } })
    .jpeg({ quality: 95 })
    .toFile(file);
  const image = await decodeGray(file, 1e6);
  assert.ok(
    Math.abs(image.values[4 * 16 + 2] - 40) < 8 && Math.abs(image.values[4 * 16 + 13] - 200) < 8,
    `${image.values[4 * 16 + 2]} ${image.values[4 * 16 + 13]}`,
  );
});
