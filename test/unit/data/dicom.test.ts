/** The DICOM loader against series written by an independent writer (Python + numpy). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDicomHeader } from '../../../src/engine/data/formats/dicom';
import { readDicomSeries } from '../../../src/engine/data/formats/dicomSeries';
import type { Volume } from '../../../src/engine/data/volume';
import { planSlices } from '../../../src/engine/data/volume';
import { independentFixtures } from './independentFixtures';

const LIMITS = { maxVoxels: 1_000_000, maxBytes: 10_000_000 };

/** Reads a fixture folder by name, or any folder by absolute path. */
async function series(folder: string) {
  const dir = path.resolve(independentFixtures(), folder);
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const result: {
    volumes: Array<{ source: string; volume: Volume }>;
    skipped: Array<{ path: string; error: unknown }>;
  } = { volumes: [], skipped: [] };
  for await (const outcome of readDicomSeries(files, LIMITS)) {
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
        for (let col = 0; col < 6; col++)
          assert.equal(pixels[r * 6 + col], 5 - col + 10 * r + 100 * k - 1024, `${folder} k=${k} r=${r} c=${col}`);
      }
    }
    assert.deepEqual(plan.pixelSpacing, [0.8, 0.8]);
  });
}

test('a compressed transfer syntax over pixel data that is not encapsulated is refused naming the syntax', async () => {
  const result = await series('dicom_jpeg2000');
  assert.equal(result.volumes.length, 0);
  assert.equal(result.skipped.length, 1);
  assert.match(
    (result.skipped[0].error as Error).message,
    /JPEG 2000 \(1\.2\.840\.10008\.1\.2\.4\.91\) transfer syntax but the pixel data are not encapsulated/,
  );
});

test('a file whose pixels turn out corrupt while stacking is skipped and the rest of its series stacked', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-dicom-'));
  // Four deflated 256 x 256 slices; the last quarter of slice 2's deflate stream is cut off, after its header.
  const script = `
import sys, numpy as np
sys.path.insert(0, ${JSON.stringify(path.resolve(__dirname, '../../fixtures/independent'))})
from write_fixtures import dicom_file
rng = np.random.default_rng(0)
for k in range(4):
    data = dicom_file(rng.integers(0, 4000, (256, 256)), k, '1.2.840.10008.1.2.1.99', True, '<', False, deflate=True)
    with open(f'${dir}/im{k}.dcm', 'wb') as f:
        f.write(data[: len(data) * 3 // 4] if k == 2 else data)
`;
  const written = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  assert.equal(written.status, 0, written.stderr);
  // Its header reads fine: the damage is found only when its pixels are read, while stacking.
  assert.equal((await readDicomHeader(path.join(dir, 'im2.dcm'), LIMITS)).rows, 256);
  const result = await series(dir);
  assert.deepEqual(
    result.skipped.map((s) => [
      path.basename(s.path),
      (s.error as Error).message.replace(`${s.path}: `, '').split(' (')[0],
    ]),
    [['im2.dcm', 'deflated data set is corrupt']],
  );
  assert.equal(result.volumes.length, 1);
  assert.deepEqual(result.volumes[0].volume.dims, [256, 256, 3]);
});
