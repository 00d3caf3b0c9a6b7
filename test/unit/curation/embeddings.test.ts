/** Embeddings made elsewhere: numpy's .npy (float64, written by numpy itself) and CSV stand for the run's, checked on import. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeNpyMatrix, encodeNpy } from '../../../src/engine/export/npy';
import { lockRunForStage } from '../../../src/shared/node/runLock';
import { runCli } from '../../helpers/engine';
import { makeTinyRun } from '../../helpers/tinyRun';
import { findPython, NUMPY_MISSING } from '../interop/python';
import { readCacheIndexFile } from '../../../src/shared/node/cacheIndexFile';

const python = findPython('numpy');

test('a float32 .npy round-trips; other shapes, types and orders are refused with the reason', () => {
  const values = Float32Array.from({ length: 12 }, (_, i) => i / 3);
  const decoded = decodeNpyMatrix(encodeNpy(values, [4, 3]), 'a.npy');
  assert.deepEqual([decoded.rows, decoded.cols], [4, 3]);
  assert.deepEqual(decoded.values, values);
  assert.throws(
    () => decodeNpyMatrix(encodeNpy(values, [12]), 'v.npy'),
    /shape is \(12,\), not \(samples, dimensions\)/,
  );
  assert.throws(() => decodeNpyMatrix(encodeNpy(Int32Array.from(values), [4, 3]), 'i.npy'), /holds <i4/);
  const whole = encodeNpy(values, [4, 3]);
  assert.throws(() => decodeNpyMatrix(whole.subarray(0, whole.length - 4), 'cut.npy'), /data bytes/);
  assert.throws(() => decodeNpyMatrix(whole.subarray(0, 40), 'short.npy'), /header runs past/);
  assert.throws(() => decodeNpyMatrix(Buffer.from('hello world'), 'x.npy'), /not a \.npy file/);
});

test(
  "optidel embeddings: numpy float64 rows stand for the run's, the map and similarity follow",
  { skip: python ? false : NUMPY_MISSING },
  async () => {
    const run = makeTinyRun();
    for (const args of [
      ['pretrain', '--run', run.runDir, '--preset', 'micro', '--steps', '5'],
      ['score', '--run', run.runDir],
    ]) {
      const r = runCli(args);
      assert.equal(r.status, 0, r.stderr);
    }
    const n = (await readCacheIndexFile(run.runDir)).samples.length;
    // Each sample's embedding points at an angle set by its id, so its nearest are its id neighbours.
    const file = path.join(run.root, 'external.npy');
    const made = spawnSync(
      python!,
      [
        '-s',
        '-c',
        `import numpy as np, sys; n=${n}; a=np.arange(n)*0.05; np.save(sys.argv[1], np.stack([np.cos(a), np.sin(a), np.zeros(n)], 1).astype(np.float64))`,
        file,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, made.stderr);
    const imported = runCli(['embeddings', '--run', run.runDir, '--file', file, '--json']);
    assert.equal(imported.status, 0, imported.stderr);
    assert.deepEqual(imported.json, { samples: n, dim: 3, source: file });
    const info = JSON.parse(fs.readFileSync(path.join(run.runDir, 'scores', 'scores.json'), 'utf8'));
    assert.equal(info.embeddingDim, 3);
    assert.equal(info.embeddingSource, 'external.npy');
    assert.equal(fs.statSync(path.join(run.runDir, 'scores', 'projection.f32')).size, n * 2 * 4);
    const similar = runCli(['similar', '--run', run.runDir, '--sample', '10', '--k', '2', '--json']);
    assert.equal(similar.status, 0, similar.stderr);
    const near = (similar.json as { neighbours: Array<{ id: number }> }).neighbours
      .map((x) => x.id)
      .sort((a, b) => a - b);
    assert.deepEqual(near, [9, 11]);
    // CSV with a header; a wrong row count is refused naming both counts, and nothing changes.
    const csv = path.join(run.root, 'short.csv');
    fs.writeFileSync(csv, `a,b\n${Array.from({ length: n - 1 }, (_, i) => `${i},1`).join('\n')}\n`);
    const refused = runCli(['embeddings', '--run', run.runDir, '--file', csv]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, new RegExp(`has ${n - 1} rows but the pool has ${n} samples`));
    assert.equal(JSON.parse(fs.readFileSync(path.join(run.runDir, 'scores', 'scores.json'), 'utf8')).embeddingDim, 3);
    // An empty cell or a hex number is not a value; the error names the file's own line (header and blank line counted).
    const rows = Array.from({ length: n }, (_, i) => `${i},1`);
    rows[1] = '1,';
    fs.writeFileSync(csv, `a,b\n\n${rows.join('\n')}\n`);
    const empty = runCli(['embeddings', '--run', run.runDir, '--file', csv]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /line 4 holds "", not a decimal number/);
    rows[1] = '0x10,1';
    fs.writeFileSync(csv, `${rows.join('\n')}\n`);
    assert.match(runCli(['embeddings', '--run', run.runDir, '--file', csv]).stderr, /line 2 holds "0x10"/);
    fs.writeFileSync(csv, `${Array.from({ length: n }, (_, i) => `${i},1`).join('\n')}\n`);
    assert.equal(runCli(['embeddings', '--run', run.runDir, '--file', csv]).status, 0);
    // A stage running in the run folder holds its lock: the import waits for nobody and changes nothing.
    const lock = await lockRunForStage(run.runDir, 'select', () => undefined);
    const busy = runCli(['embeddings', '--run', run.runDir, '--file', file]);
    await lock.release();
    assert.notEqual(busy.status, 0);
    assert.match(busy.stderr, /"select" is already running in this run folder/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(run.runDir, 'scores', 'scores.json'), 'utf8')).embeddingDim, 2);
    // Scoring again brings the model's own embeddings back.
    assert.equal(runCli(['score', '--run', run.runDir]).status, 0);
    assert.equal(
      JSON.parse(fs.readFileSync(path.join(run.runDir, 'scores', 'scores.json'), 'utf8')).embeddingSource,
      undefined,
    );
  },
);
