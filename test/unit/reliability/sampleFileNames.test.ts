/**
 * Export names image files by sample id (`images/<id>.png`, `images/mosaic-<id>.png`). The ids come
 * from a run folder that may be shared; the stages that read them check them (the cache, train's
 * staleness check), and the writer refuses one more time before a path is formed, so that a check
 * dropped elsewhere cannot turn an id into `../../photos/holiday`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { imageFile } from '../../../src/engine/export/subsetImages';

test('an image file is named only by a whole-number sample id from 0', () => {
  const dir = path.join('/exports', 'images');
  assert.equal(imageFile(dir, 'mosaic-', 7, 'png'), path.join(dir, 'mosaic-7.png'));
  assert.equal(imageFile(dir, '', 0, 'nii'), path.join(dir, '0.nii'));
  for (const id of ['../../../../photos/holiday', '7', -1, 1.5, Number.NaN, null, undefined, { id: 1 }])
    assert.throws(
      () => imageFile(dir, 'mosaic-', id, 'png'),
      (err: Error) => err.message.startsWith(`sample id ${JSON.stringify(id)} is not a whole number from 0`),
      String(id),
    );
});
