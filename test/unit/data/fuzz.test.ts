/**
 * Fuzzing: every loader gets thousands of mutations of valid files (NIfTI 2,000, DICOM 2,100,
 * PNG 1,000, BMP 500) (bytes flipped, header fields set to
 * extremes, truncations, insertions). Each must either decode or fail with an UnusableFileError
 * (which ingestion turns into a skipped file with a reason): no other exception, no hang.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { parseConfig } from '../../../src/engine/config/loadConfig';
import { parseDicom } from '../../../src/engine/data/formats/dicom';
import { parseBmp } from '../../../src/engine/data/formats/bmp';
import { UnusableFileError } from '../../../src/engine/data/formats/errors';
import { readNifti } from '../../../src/engine/data/formats/nifti';
import { ingestPool } from '../../../src/engine/data/ingest';
import { rasterSample } from '../../../src/engine/data/rasterSamples';
import { SeededRandom } from '../../../src/engine/data/random';
import { recordingContext } from './context';
import { independentFixtures } from './independentFixtures';

const LIMIT = 4_000_000;
const PER_CALL_MS = 5000;

/** A mutated copy of `bytes`; `headerBytes` focuses some mutations on the header, where parsers are most exposed. */
function mutate(bytes: Buffer, random: SeededRandom, headerBytes: number): Buffer {
  const out = Buffer.from(bytes);
  switch (random.int(5)) {
    case 0: // flip a few random bytes anywhere
      for (let i = random.int(8) + 1; i > 0; i--) out[random.int(out.length)] ^= 1 << random.int(8);
      return out;
    case 1: // extreme values in the header (sizes, offsets, lengths)
      for (let i = random.int(3) + 1; i > 0; i--) {
        const at = random.int(Math.max(1, Math.min(headerBytes, out.length) - 4));
        out.writeUInt32LE([0xffffffff, 0x7fffffff, 0, 0x8000, 0xffff][random.int(5)], at);
      }
      return out;
    case 2: // truncation
      return out.subarray(0, random.int(out.length));
    case 3: // random bytes inserted
      return Buffer.concat([out.subarray(0, random.int(out.length)), Buffer.from(Array.from({ length: random.int(64) + 1 }, () => random.int(256))), out.subarray(random.int(out.length))]);
    default: // a header byte set to random
      out[random.int(Math.min(headerBytes, out.length))] = random.int(256);
      return out;
  }
}

async function withinTime<T>(work: () => Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${PER_CALL_MS} ms (hang)`)), PER_CALL_MS);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `decode` on `count` mutations; returns how many decoded and how many were refused. */
async function fuzz(name: string, original: Buffer, count: number, headerBytes: number, decode: (bytes: Buffer, i: number) => Promise<unknown>): Promise<{ ok: number; refused: number }> {
  const random = new SeededRandom(name.length * 7919);
  let ok = 0;
  let refused = 0;
  for (let i = 0; i < count; i++) {
    const bytes = mutate(original, random, headerBytes);
    try {
      await withinTime(() => decode(bytes, i), `${name} mutation ${i}`);
      ok++;
    } catch (err) {
      if (!(err instanceof UnusableFileError)) assert.fail(`${name} mutation ${i}: ${(err as Error).name}: ${(err as Error).message} escaped as a non-file error`);
      refused++;
    }
  }
  assert.ok(refused > 0, `${name}: mutations must be refused sometimes`);
  return { ok, refused };
}

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-fuzz-'));

test('NIfTI (.nii and .nii.gz) survives mutated files', async () => {
  const fixtures = independentFixtures();
  const dir = tmpDir();
  for (const name of ['int16.nii', 'float32_be.nii', 'four_d.nii']) {
    const original = fs.readFileSync(path.join(fixtures, name));
    await fuzz(name, original, 500, 352, async (bytes, i) => {
      const file = path.join(dir, `${i}.nii`);
      fs.writeFileSync(file, bytes);
      return readNifti(file, LIMIT);
    });
  }
  const gz = fs.readFileSync(path.join(fixtures, 'float64.nii.gz'));
  await fuzz('float64.nii.gz', gz, 300, 64, async (bytes, i) => {
    const file = path.join(dir, `${i}.nii.gz`);
    fs.writeFileSync(file, bytes);
    return readNifti(file, LIMIT);
  });
  // Mutations inside the gzip stream's payload (valid gzip, corrupt header inside).
  const inner = zlib.gunzipSync(gz);
  await fuzz('float64.nii.gz (inner)', inner, 200, 352, async (bytes, i) => {
    const file = path.join(dir, `inner-${i}.nii.gz`);
    fs.writeFileSync(file, zlib.gzipSync(bytes));
    return readNifti(file, LIMIT);
  });
});

test('DICOM survives mutated files of every transfer syntax', async () => {
  const fixtures = independentFixtures();
  for (const folder of ['dicom_explicit', 'dicom_implicit', 'dicom_bigendian']) {
    const original = fs.readFileSync(path.join(fixtures, folder, 'im0.dcm'));
    await fuzz(folder, original, 700, 600, async (bytes) => parseDicom(bytes, `${folder}/im0.dcm`, LIMIT));
  }
});

test('BMP and PNG survive mutated files', async () => {
  const fixtures = independentFixtures();
  await fuzz('gray8.bmp', fs.readFileSync(path.join(fixtures, 'gray8.bmp')), 500, 54, async (bytes) => parseBmp(bytes, LIMIT, 'gray8.bmp'));
  const dir = tmpDir();
  await fuzz('gray8.png', fs.readFileSync(path.join(fixtures, 'gray8.png')), 1000, 40, async (bytes, i) => {
    const file = path.join(dir, `${i}.png`);
    fs.writeFileSync(file, bytes);
    return rasterSample(file, 8, undefined, 0, LIMIT);
  });
});

test('an ingest over a folder of mutated files finishes and reports each bad file', async () => {
  const fixtures = independentFixtures();
  const dir = tmpDir();
  const random = new SeededRandom(11);
  const originals: Array<[string, Buffer]> = [['nii', fs.readFileSync(path.join(fixtures, 'int16.nii'))], ['png', fs.readFileSync(path.join(fixtures, 'gray8.png'))], ['dcm', fs.readFileSync(path.join(fixtures, 'dicom_explicit/im1.dcm'))]];
  for (let i = 0; i < 30; i++) {
    const [ext, bytes] = originals[i % 3];
    fs.mkdirSync(path.join(dir, String(i)));
    fs.writeFileSync(path.join(dir, String(i), `m.${ext}`), mutate(bytes, random, 300));
  }
  fs.copyFileSync(path.join(fixtures, 'int16.nii'), path.join(dir, 'good.nii'));
  const loaded = parseConfig({ pool: [dir], imageSize: 8, ingest: { emptyFraction: 0, intensity: { mode: 'minmax' } } }, path.join(dir, 'optidel.json'));
  const summary = await ingestPool(loaded, tmpDir(), recordingContext());
  assert.ok(summary.samples >= 3, `${summary.samples}`);
  assert.ok(summary.skipped.length > 0);
  for (const s of summary.skipped) assert.ok(s.path.startsWith(dir) && s.reason.length > 0 && !s.reason.startsWith('unexpected error'), `${s.path}: ${s.reason}`);
});
