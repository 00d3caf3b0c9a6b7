/**
 * Fuzzing: every loader gets thousands of mutations of valid files (NIfTI 2,000, DICOM 2,800,
 * PNG 1,000, BMP 500) (bytes flipped, header fields set to extremes, truncations, insertions).
 * Each must either decode or fail with an UnusableFileError (which ingestion turns into a skipped
 * file with a reason): no other exception, no hang. Each campaign runs in a worker thread, so a
 * parse that never returns (even a synchronous one) is caught by this thread's guard and ended.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Worker } from 'node:worker_threads';
import { parseConfig } from '../../../src/engine/config/loadConfig';
import { ingestPool } from '../../../src/engine/data/ingest';
import { SeededRandom } from '../../../src/engine/data/random';
import { recordingContext } from './context';
import type { Campaign, LoaderName, WorkerMessage } from './fuzzWorker';
import { mutate } from './fuzzMutate';
import { independentFixtures } from './independentFixtures';

const PER_CALL_MS = 5000;

/**
 * Runs a campaign in a worker: resolves with how many mutations decoded and how many were
 * refused; rejects when one escapes as a non-file error or gives no answer within `guardMs`.
 */
function fuzzInWorker(campaign: Campaign, guardMs = PER_CALL_MS): Promise<{ ok: number; refused: number }> {
  const worker = new Worker(path.join(__dirname, 'fuzzWorker.ts'), {
    workerData: campaign,
    execArgv: ['--require', 'tsx/cjs'],
  });
  return new Promise((resolve, reject) => {
    let guard: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void) => {
      clearTimeout(guard);
      void worker.terminate();
      outcome();
    };
    worker.on('message', (message: WorkerMessage) => {
      if ('started' in message) {
        clearTimeout(guard);
        guard = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`${campaign.name} mutation ${message.started}: no answer within ${guardMs} ms (hang)`)),
            ),
          guardMs,
        );
      } else if ('escaped' in message)
        finish(() =>
          reject(
            new Error(`${campaign.name} mutation ${message.escaped}: ${message.message} escaped as a non-file error`),
          ),
        );
      else finish(() => resolve(message.done));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`${campaign.name}: the worker exited (${code}) before finishing`))),
    );
  });
}

async function fuzz(
  name: string,
  loader: LoaderName,
  original: string,
  count: number,
  headerBytes: number,
): Promise<void> {
  const result = await fuzzInWorker({ name, loader, original, count, headerBytes, dir: tmpDir() });
  assert.ok(result.refused > 0, `${name}: mutations must be refused sometimes`);
  assert.equal(result.ok + result.refused, count);
}

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-fuzz-'));

test('NIfTI (.nii and .nii.gz) survives mutated files', async () => {
  const fixtures = independentFixtures();
  for (const name of ['int16.nii', 'float32_be.nii', 'four_d.nii'])
    await fuzz(name, 'nifti', path.join(fixtures, name), 500, 352);
  await fuzz('float64.nii.gz', 'niftiGz', path.join(fixtures, 'float64.nii.gz'), 300, 64);
  // Mutations inside the gzip stream's payload (valid gzip, corrupt header inside).
  const inner = path.join(tmpDir(), 'float64.nii');
  fs.writeFileSync(inner, zlib.gunzipSync(fs.readFileSync(path.join(fixtures, 'float64.nii.gz'))));
  await fuzz('float64.nii.gz (inner)', 'niftiGzInner', inner, 200, 352);
});

test('DICOM survives mutated files of every transfer syntax', async () => {
  const fixtures = independentFixtures();
  for (const folder of ['dicom_explicit', 'dicom_implicit', 'dicom_bigendian', 'dicom_deflated']) {
    await fuzz(folder, 'dicom', path.join(fixtures, folder, 'im0.dcm'), 700, 600);
  }
});

test('BMP and PNG survive mutated files', async () => {
  const fixtures = independentFixtures();
  await fuzz('gray8.bmp', 'bmp', path.join(fixtures, 'gray8.bmp'), 500, 54);
  await fuzz('gray8.png', 'png', path.join(fixtures, 'gray8.png'), 1000, 40);
});

test('the guard reports a parse that never returns as a hang, and ends it', async () => {
  const original = path.join(independentFixtures(), 'gray8.bmp');
  const campaign: Campaign = {
    name: 'spinning parser',
    loader: 'spinsOnThird',
    original,
    count: 10,
    headerBytes: 54,
    dir: tmpDir(),
  };
  await assert.rejects(fuzzInWorker(campaign, 500), /spinning parser mutation 3: no answer within 500 ms \(hang\)/);
});

test('an ingest over a folder of mutated files finishes and reports each bad file', async () => {
  const fixtures = independentFixtures();
  const dir = tmpDir();
  const random = new SeededRandom(11);
  const originals: Array<[string, Buffer]> = [
    ['nii', fs.readFileSync(path.join(fixtures, 'int16.nii'))],
    ['png', fs.readFileSync(path.join(fixtures, 'gray8.png'))],
    ['dcm', fs.readFileSync(path.join(fixtures, 'dicom_explicit/im1.dcm'))],
  ];
  for (let i = 0; i < 30; i++) {
    const [ext, bytes] = originals[i % 3];
    fs.mkdirSync(path.join(dir, String(i)));
    fs.writeFileSync(path.join(dir, String(i), `m.${ext}`), mutate(bytes, random, 300));
  }
  fs.copyFileSync(path.join(fixtures, 'int16.nii'), path.join(dir, 'good.nii'));
  const loaded = parseConfig(
    { pool: [dir], imageSize: 8, ingest: { emptyFraction: 0, intensity: { mode: 'minmax' } } },
    path.join(dir, 'optidel.json'),
  );
  const summary = await ingestPool(loaded, tmpDir(), recordingContext());
  assert.ok(summary.samples >= 3, `${summary.samples}`);
  assert.ok(summary.skipped.length > 0);
  for (const s of summary.skipped)
    assert.ok(
      s.path.startsWith(dir) && s.reason.length > 0 && !s.reason.startsWith('unexpected error'),
      `${s.path}: ${s.reason}`,
    );
});
