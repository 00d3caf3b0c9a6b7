/** The DICOM loader against series written by an independent writer (Python + numpy). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDicomSeries } from '../../../src/engine/data/formats/dicomSeries';
import type { Volume } from '../../../src/engine/data/volume';
import { planSlices } from '../../../src/engine/data/volume';
import { independentFixtures } from './independentFixtures';

async function series(folder: string) {
  const dir = path.join(independentFixtures(), folder);
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const result: { volumes: Array<{ source: string; volume: Volume }>; skipped: Array<{ path: string; error: unknown }> } = { volumes: [], skipped: [] };
  for await (const outcome of readDicomSeries(files, { maxVoxels: 1_000_000, maxBytes: 10_000_000 })) {
    if ('error' in outcome) result.skipped.push(outcome);
    else result.volumes.push(outcome);
  }
  return result;
}

for (const folder of ['dicom_explicit', 'dicom_implicit', 'dicom_bigendian', 'dicom_deflated']) {
  test(`${folder}: slices ordered by position (not instance number or name), rescale and geometry applied`, async () => {
    const result = await series(folder);
    assert.deepEqual(result.skipped, []);
    assert.equal(result.volumes.length, 1);
    const { volume, source } = result.volumes[0];
    assert.equal(source, path.join(independentFixtures(), folder));
    assert.deepEqual(volume.dims, [6, 5, 4]);
    assert.equal(volume.hints.modality, 'CT');
    assert.deepEqual(volume.hints.window, { level: 40, width: 400 });
    assert.ok(Math.abs(volume.axes[2][2] - 2.5) < 1e-9, `slice spacing from positions: ${volume.axes[2]}`);
    const plan = planSlices(volume, 2);
    const pixels = new Float32Array(plan.width * plan.height);
    for (let k = 0; k < 4; k++) {
      plan.extract(k, 0, pixels);
      // DICOM's row direction +x (LPS) is the patient's left: shown on the image's left (neurological).
      for (let r = 0; r < 5; r++) {
        for (let col = 0; col < 6; col++) assert.equal(pixels[r * 6 + col], 5 - col + 10 * r + 100 * k - 1024, `${folder} k=${k} r=${r} c=${col}`);
      }
    }
    assert.deepEqual(plan.pixelSpacing, [0.8, 0.8]);
  });
}

test('a compressed transfer syntax is refused with its name', async () => {
  const result = await series('dicom_jpeg2000');
  assert.equal(result.volumes.length, 0);
  assert.equal(result.skipped.length, 1);
  assert.match((result.skipped[0].error as Error).message, /JPEG 2000 \(1\.2\.840\.10008\.1\.2\.4\.91\) is not supported/);
});
