/**
 * Fuzzing: every loader gets thousands of mutations of valid files (NIfTI 2,000, NIfTI-2 and
 * Analyze 1,200, MetaImage 1,000, NRRD 1,000, DICOM 2,800, DICOM RLE 1,000, compressed DICOM 1,500, PNG 1,000, BMP 500) (bytes flipped,
 * header fields set to extremes, truncations, insertions).
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
import { ingestPool } from '../../../src/engine/pipeline/ingestStage';
import { SeededRandom } from '../../../src/engine/data/random';
import { recordingContext } from './context';
import type { Campaign, LoaderName, WorkerMessage } from './fuzzWorker';
import { mutate } from './fuzzMutate';
import { independentFixtures, libraryFixtures } from './independentFixtures';

const PER_CALL_MS = 5000;

const nibabel = libraryFixtures('nibabel');
const nibabelSkip = 'skip' in nibabel ? nibabel.skip : false;
const pydicom = libraryFixtures('pydicom');
const pydicomSkip = 'skip' in pydicom ? pydicom.skip : false;
const compressed = libraryFixtures('compressedDicom');

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
  more: Pick<Campaign, 'extension' | 'beside' | 'text'> = {},
): Promise<void> {
  const result = await fuzzInWorker({ name, loader, original, count, headerBytes, dir: tmpDir(), ...more });
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

test('NIfTI-2 and Analyze pairs (written by nibabel) survive mutated headers', { skip: nibabelSkip }, async () => {
  const { dir } = nibabel as { dir: string };
  await fuzz('nifti2_int16_scaled.nii', 'volume', path.join(dir, 'nifti2_int16_scaled.nii'), 400, 544, {
    extension: '.nii',
  });
  await fuzz('nifti2_float32_be.nii.gz', 'volume', path.join(dir, 'nifti2_float32_be.nii.gz'), 200, 64, {
    extension: '.nii.gz',
  });
  for (const name of ['nifti2_pair', 'analyze_int16_be'])
    await fuzz(`${name}.hdr`, 'volume', path.join(dir, `${name}.hdr`), 300, 544, { extension: '.hdr' });
});

test('MetaImage and NRRD survive mutated headers and data', async () => {
  const fixtures = independentFixtures();
  const at = (name: string) => path.join(fixtures, name);
  const text = true;
  await fuzz('mha_int16.mha', 'volume', at('mha_int16.mha'), 400, 200, { extension: '.mha', text });
  await fuzz('mha_zlib_be.mha', 'volume', at('mha_zlib_be.mha'), 300, 260, { extension: '.mha', text });
  await fuzz('mhd_uint16.mhd', 'volume', at('mhd_uint16.mhd'), 300, 200, {
    extension: '.mhd',
    beside: [at('mhd_uint16.raw')],
    text,
  });
  await fuzz('nrrd_raw.nrrd', 'volume', at('nrrd_raw.nrrd'), 400, 200, { extension: '.nrrd', text });
  await fuzz('nrrd_gzip_be.nrrd', 'volume', at('nrrd_gzip_be.nrrd'), 300, 300, { extension: '.nrrd', text });
  await fuzz('nrrd_detached.nhdr', 'volume', at('nrrd_detached.nhdr'), 300, 200, {
    extension: '.nhdr',
    beside: [at('nrrd_detached.raw.gz')],
    text,
  });
});

test('DICOM survives mutated files of every transfer syntax', async () => {
  const fixtures = independentFixtures();
  for (const folder of ['dicom_explicit', 'dicom_implicit', 'dicom_bigendian', 'dicom_deflated']) {
    await fuzz(folder, 'dicom', path.join(fixtures, folder, 'im0.dcm'), 700, 600);
  }
});

test('DICOM RLE Lossless (compressed by pydicom) survives mutated files', { skip: pydicomSkip }, async () => {
  const { dir } = pydicom as { dir: string };
  await fuzz('rle_frames.dcm', 'dicom', path.join(dir, 'rle_frames.dcm'), 500, 400);
  await fuzz('dicom_rle/im0.dcm', 'dicom', path.join(dir, 'dicom_rle/im0.dcm'), 500, 400);
});

/** The compressed files of one codec each (skipped where its writer, dcmtk or gdcm, is missing). */
const CODEC_FILES = [
  'dcmcjpeg_sv1.dcm',
  'dcmcjpls_lossless.dcm',
  'gdcm_j2k.dcm',
  'dcmcjpeg_baseline.dcm',
  'frames_jpls_fragments.dcm',
];
test(
  'DICOM JPEG Lossless, JPEG-LS, JPEG 2000 and JPEG (compressed by dcmtk and gdcm) survive mutated files',
  { skip: 'skip' in compressed ? compressed.skip : false },
  async () => {
    const { dir } = compressed as { dir: string };
    const { files } = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      files: Record<string, unknown>;
    };
    const present = CODEC_FILES.filter((name) => name in files);
    assert.ok(present.length > 0, 'no compressed file was written (dcmtk and gdcm missing)');
    // "Header" mutations anywhere: the codestream after the DICOM header is what the codecs parse.
    for (const name of present) {
      const file = path.join(dir, name);
      await fuzz(name, 'dicom', file, 300, fs.statSync(file).size);
    }
  },
);

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
