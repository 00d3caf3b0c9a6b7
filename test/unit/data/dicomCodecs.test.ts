/**
 * Compressed DICOM written by dcmtk and gdcm from sources with known values (pydicom): lossless
 * syntaxes must give the source back voxel for voxel, lossy ones within a stated error.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDicomHeader, readDicomPixels } from '../../../src/engine/data/formats/dicom';
import { readDicomSeries } from '../../../src/engine/data/formats/dicomSeries';
import { UnusableFileError } from '../../../src/engine/data/formats/errors';
import { ENGINE, ROOT, requireBuiltEngine } from '../../helpers/engine';
import { libraryFixtures } from './independentFixtures';

const LIMITS = { maxVoxels: 1_000_000, maxBytes: 10_000_000 };
const fixtures = libraryFixtures('compressedDicom');
const dir = () => (fixtures as { dir: string }).dir;
interface Manifest {
  sources: Record<string, number[]>;
  files: Record<string, { source: string; syntax: string }>;
  missing: Record<string, string>;
}
const manifest = (): Manifest => JSON.parse(fs.readFileSync(path.join(dir(), 'manifest.json'), 'utf8')) as Manifest;

/** Why `name` cannot be tested here, or false. */
function skipFor(name: string): string | false {
  if ('skip' in fixtures) return fixtures.skip;
  const missing = manifest().missing[name];
  return missing ? `needs ${missing}` : false;
}

async function decoded(name: string): Promise<{ pixels: number[]; expected: number[]; syntax: string }> {
  const file = path.join(dir(), name);
  const { source, syntax } = manifest().files[name];
  const header = await readDicomHeader(file, LIMITS);
  return { pixels: [...(await readDicomPixels(header))], expected: manifest().sources[source], syntax };
}

/** A copy of fixture `name` in `tmp`, `damage`d at its first frame's fragment (after the offset table item); its path. */
function damagedCopy(name: string, tmp: string, damage: (bytes: Buffer, fragment: number) => void): string {
  const bytes = Buffer.from(fs.readFileSync(path.join(dir(), name)));
  const table = bytes.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])) + 12;
  damage(bytes, table + 8 + bytes.readUInt32LE(table + 4) + 8);
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Reading `file`'s pixels fails with an UnusableFileError that names the file and matches `why`. */
async function refusedNaming(file: string, why: RegExp): Promise<void> {
  await assert.rejects(
    readDicomPixels(await readDicomHeader(file, LIMITS)),
    (err: Error) => err instanceof UnusableFileError && err.message.startsWith(`${file}: `) && why.test(err.message),
    file,
  );
}

const LOSSLESS = [
  'dcmcjpeg_sv1.dcm', // JPEG Lossless SV1 (.70), signed 16-bit
  'dcmcjpeg_lossless.dcm', // JPEG Lossless, selection value 6 (.57)
  'dcmcjpeg_12bit.dcm', // 12 bits stored
  'gdcm_jpeg.dcm', // gdcm's JPEG Lossless
  'dcmcjpls_lossless.dcm', // JPEG-LS Lossless (.80)
  'gdcm_jpegls.dcm',
  'gdcm_j2k.dcm', // JPEG 2000 Lossless (.90)
  'frames_jpls.dcm', // 3 frames, one fragment each, offset table
  'frames_jpls_fragments.dcm', // several fragments per frame, offset table
  'frames_jpls_fragments_no_table.dcm', // several fragments per frame, empty offset table
  'frames_jpeg_fragments_no_table.dcm',
  'frames_j2k.dcm',
];
for (const name of LOSSLESS)
  test(`${name} decodes to its source voxel for voxel`, { skip: skipFor(name) }, async () => {
    const { pixels, expected, syntax } = await decoded(name);
    assert.equal(pixels.length, expected.length);
    assert.deepEqual(pixels, expected, `${name} (${syntax})`);
  });

/** Colour files decode to gray by Rec. 709 luminance, as every colour DICOM does. */
for (const name of [
  'rgb_jpls_none.dcm',
  'rgb_jpls_line.dcm',
  'rgb_jpls_sample.dcm',
  'rgb_j2k.dcm',
  'rgb_jpeg_lossless.dcm',
])
  test(`${name} decodes to its RGB source's luminance voxel for voxel`, { skip: skipFor(name) }, async () => {
    const { pixels, expected } = await decoded(name);
    const gray = Array.from({ length: expected.length / 3 }, (_, i) =>
      Math.round(0.2126 * expected[3 * i] + 0.7152 * expected[3 * i + 1] + 0.0722 * expected[3 * i + 2]),
    );
    assert.deepEqual(pixels, gray, name);
  });

/** Lossy files: the largest error each may have, from its encoder's setting. */
const LOSSY: Array<[string, (diffs: number[]) => void]> = [
  // NEAR = 2 bounds every sample's error by 2.
  ['dcmcjpls_near.dcm', (d) => assert.ok(Math.max(...d) <= 2, `max error ${Math.max(...d)}`)],
  // JPEG at quality 95 on a smooth 8-bit ramp: within 6 grey levels everywhere.
  ['dcmcjpeg_baseline.dcm', (d) => assert.ok(Math.max(...d) <= 6, `max error ${Math.max(...d)}`)],
  ['dcmcjpeg_extended8.dcm', (d) => assert.ok(Math.max(...d) <= 6, `max error ${Math.max(...d)}`)],
  // gdcm's "-q 80" asks for a PSNR of 80 dB (16-bit peak): held to 78 dB, a root mean square error under 8.2.
  ['gdcm_j2k_lossy.dcm', (d) => assert.ok(rms(d) <= 65535 * 10 ** (-78 / 20), `rms error ${rms(d)}`)],
];
for (const [name, check] of LOSSY)
  test(`${name} decodes to its source within the encoder's error`, { skip: skipFor(name) }, async () => {
    const { pixels, expected } = await decoded(name);
    assert.equal(pixels.length, expected.length);
    const diffs = pixels.map((v, i) => Math.abs(v - expected[i]));
    check(diffs);
  });

function rms(d: number[]): number {
  return Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
}

test(
  '12-bit JPEG Extended is refused naming the file and the syntax',
  { skip: skipFor('dcmcjpeg_extended12.dcm') },
  async () => {
    const file = path.join(dir(), 'dcmcjpeg_extended12.dcm');
    await assert.rejects(
      readDicomPixels(await readDicomHeader(file, LIMITS)),
      (err: Error) =>
        err instanceof UnusableFileError &&
        err.message.startsWith(`${file}: `) &&
        /12-bit JPEG Extended is not supported/.test(err.message) &&
        /dcmdjpeg/.test(err.message),
    );
  },
);

test(
  'a compressed series stacks with its rescale, and a truncated file in it is skipped and reported',
  { skip: skipFor('dcmcjpls_lossless.dcm') || skipFor('gdcm_j2k.dcm') },
  async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-codecs-'));
    // Same series UID (one source), so the two files stack; a third is cut inside its fragment.
    const good = path.join(tmp, 'a.dcm');
    fs.copyFileSync(path.join(dir(), 'dcmcjpls_lossless.dcm'), good);
    const original = fs.readFileSync(path.join(dir(), 'dcmcjpls_lossless.dcm'));
    const cut = path.join(tmp, 'b.dcm');
    fs.writeFileSync(cut, original.subarray(0, original.length - 100));
    const outcomes = [];
    for await (const outcome of readDicomSeries([good, cut], LIMITS)) outcomes.push(outcome);
    const errors = outcomes.filter((o) => 'error' in o);
    const volumes = outcomes.flatMap((o) => ('volume' in o ? [o.volume] : []));
    assert.equal(errors.length, 1, JSON.stringify(errors.map((e) => String((e as { error: unknown }).error))));
    const [failure] = errors as Array<{ path: string; error: unknown }>;
    assert.equal(failure.path, cut);
    assert.ok(
      failure.error instanceof UnusableFileError && /truncated/.test(failure.error.message),
      String(failure.error),
    );
    assert.equal(volumes.length, 1);
    assert.equal(volumes[0].intercept, -1024);
    assert.deepEqual([...volumes[0].voxels], manifest().sources.ct16);
  },
);

test(
  'a corrupt codestream is refused naming the file and the syntax; the next file still decodes',
  { skip: skipFor('gdcm_j2k.dcm') },
  async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-codecs-'));
    for (const name of ['gdcm_j2k.dcm', 'dcmcjpls_lossless.dcm']) {
      // Overwrite the frame header inside the first fragment, every length intact.
      const file = damagedCopy(name, tmp, (b, fragment) => b.fill(0xff, fragment + 2, fragment + 40));
      await refusedNaming(file, /\(1\.2\.840\.10008\.1\.2\.4\.(90|80)\)/);
      // The codec's module is fresh again: an intact file decodes.
      const { pixels, expected } = await decoded(name);
      assert.deepEqual(pixels, expected);
    }
  },
);

test(
  'JPEG 2000 Part 2 is refused naming the file, the syntax and how to convert it',
  { skip: skipFor('gdcm_j2k.dcm') },
  async () => {
    const original = fs.readFileSync(path.join(dir(), 'gdcm_j2k.dcm'));
    const bytes = Buffer.from(original);
    // JPEG 2000 Part 2 (".92", the same length), which is not read.
    bytes.write('1.2.840.10008.1.2.4.92', original.indexOf('1.2.840.10008.1.2.4.90'), 'latin1');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-codecs-')), 'part2.dcm');
    fs.writeFileSync(file, bytes);
    await assert.rejects(
      readDicomHeader(file, LIMITS),
      (err: Error) =>
        err instanceof UnusableFileError &&
        err.message.startsWith(`${file}: `) &&
        /JPEG 2000 Part 2 Multi-component Lossless \(1\.2\.840\.10008\.1\.2\.4\.92\) is not supported/.test(
          err.message,
        ) &&
        /gdcmconv --raw/.test(err.message),
    );
  },
);

test(
  'the built engine, copied away from node_modules, decodes JPEG-LS and JPEG 2000 with the .wasm files beside it',
  { skip: skipFor('frames_jpls.dcm') || skipFor('frames_j2k.dcm') },
  () => {
    requireBuiltEngine();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bundle-'));
    // What a .vsix holds of the engine: bin/ and dist/engine/, no node_modules anywhere above.
    fs.mkdirSync(path.join(tmp, 'pkg', 'dist'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'bin'), path.join(tmp, 'pkg', 'bin'), { recursive: true });
    fs.cpSync(path.dirname(ENGINE), path.join(tmp, 'pkg', 'dist', 'engine'), { recursive: true });
    for (const name of ['frames_jpls.dcm', 'frames_j2k.dcm']) {
      fs.mkdirSync(path.join(tmp, 'data', name), { recursive: true });
      fs.copyFileSync(path.join(dir(), name), path.join(tmp, 'data', name, 'im.dcm'));
    }
    fs.writeFileSync(path.join(tmp, 'data', 'optidel.json'), JSON.stringify({ pool: ['.'] }));
    const run = spawnSync(
      process.execPath,
      [path.join(tmp, 'pkg', 'bin', 'optidel.js'), 'ingest', '--config', path.join(tmp, 'data', 'optidel.json')].concat(
        ['--out', path.join(tmp, 'run'), '--json'],
      ),
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { samples: number; skipped: unknown[] };
    // Three noise frames from each file, none skipped.
    assert.deepEqual(summary.skipped, []);
    assert.equal(summary.samples, 6);
  },
);

for (const name of ['enhanced.dcm', 'enhanced_implicit.dcm', 'enhanced_jpls.dcm'])
  test(
    `${name}: an enhanced multi-frame CT stacks its shuffled frames by their per-frame positions`,
    { skip: 'skip' in fixtures ? fixtures.skip : skipFor(name) },
    async () => {
      const outcomes = [];
      for await (const outcome of readDicomSeries([path.join(dir(), name)], LIMITS)) outcomes.push(outcome);
      assert.equal(outcomes.length, 1);
      const [outcome] = outcomes;
      assert.ok('volume' in outcome, 'error' in outcome ? String(outcome.error) : '');
      const { volume } = outcome;
      assert.deepEqual(volume.dims, [6, 5, 4]);
      // Pixel measures and orientation from the shared groups, the spacing from the frames' positions (LPS to RAS).
      assert.deepEqual(volume.axes, [
        [-0.8, -0, 0],
        [-0, -0.8, 0],
        [-0, -0, 2.5],
      ]);
      assert.equal(volume.intercept, -1024);
      assert.equal(volume.slope, 1);
      assert.deepEqual([...volume.voxels], manifest().sources.enhanced);
    },
  );

test(
  'a codestream declaring another size than the header is refused before it is decoded',
  { skip: skipFor('gdcm_j2k.dcm') || skipFor('dcmcjpls_lossless.dcm') },
  async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-codecs-'));
    const craft: Array<[string, (b: Buffer, fragment: number) => void]> = [
      // JPEG 2000: the SIZ segment's Xsiz (after SOC, SIZ, Lsiz and Rsiz).
      ['gdcm_j2k.dcm', (b, at) => b.writeUInt32BE(60000, at + 8)],
      // JPEG-LS: the SOF55 segment's number of lines.
      ['dcmcjpls_lossless.dcm', (b, at) => b.writeUInt16BE(60000, b.indexOf(Buffer.from([0xff, 0xf7]), at) + 5)],
    ];
    for (const [name, damage] of craft)
      await refusedNaming(
        damagedCopy(name, tmp, damage),
        /frame 1 declares (60000x16|20x60000); the header says 20x16/,
      );
  },
);
