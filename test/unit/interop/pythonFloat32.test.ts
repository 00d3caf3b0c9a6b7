/**
 * python/optidel's reader of a run's float32 files sizes each one before it reads it: a shared run
 * folder's sparse file of gigabytes (a few bytes in a tar) is refused naming the file, not loaded.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../../helpers/engine';
import { NUMPY_MISSING, findPython, runPython } from './python';

const python = findPython('numpy');

test(
  'a sparse 256 MiB scores file is refused by its size naming the file, before numpy reads it',
  { skip: python ? false : NUMPY_MISSING },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-sparse-py-'));
    const out = runPython(python!, path.join(ROOT, 'test/unit/interop/sparseScores.py'), [dir, '256']);
    const { error, grownMiB } = JSON.parse(out) as { error: string | null; grownMiB: number };
    assert.equal(
      error,
      `${path.join(dir, 'scores.f32')} holds 67108864 float32 values (268435456 bytes), expected 10: re-run "optidel score"`,
    );
    assert.ok(grownMiB < 64, `peak memory grew by ${grownMiB.toFixed(0)} MiB while refusing it`);
    fs.rmSync(dir, { recursive: true, force: true });
  },
);
