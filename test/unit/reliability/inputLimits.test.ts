/**
 * Files crafted to exhaust memory, written as the attack: gzip bombs behind valid NIfTI headers,
 * a deflated DICOM whose data set inflates far past its header, a DICOM series larger than the
 * byte budget, and a truncated `.nii` whose header claims more than the file holds. Each is
 * refused with a reason naming the file, the ingest goes on with the rest, and peak memory (or
 * the bytes read) shows the refusal came before the payload was inflated, read or decoded.
 * The files are written by Python (standard library + numpy), not by our own writers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnusableFileError } from '../../../src/engine/data/formats/errors';
import { readNifti } from '../../../src/engine/data/formats/nifti';
import { ROOT, runCli } from '../../helpers/engine';

const MiB = 2 ** 20;
/** The byte budget the attacks run under (`ingest.maxBytes`). */
const BUDGET = 16 * MiB;
/**
 * Peak memory may exceed that of the same ingest without the attacks by at most this: a DICOM
 * header may be read up to the budget, and is copied as it grows. Today's code on these files
 * needed about 3 GiB more (the gzip bomb) and 128 MiB more (the series, decoded whole).
 */
const PEAK_ALLOWANCE = 4 * BUDGET;
const HEAP_MB = 128;

const WRITERS = `
import sys, struct, zlib
import numpy as np
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'test/fixtures/independent'))})
from write_fixtures import nifti_header, dicom_file, element, write_nifti

def gzip_member(data):
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()

def gzip_bomb(path, shape, code, bitpix, payload_mib):
    """A valid NIfTI header, then payload_mib MiB of zeros, as gzip members (about 1 KB per MiB)."""
    zeros = gzip_member(bytes(1 << 20))
    with open(path, 'wb') as f:
        f.write(gzip_member(nifti_header(shape, code, bitpix)))
        for _ in range(payload_mib):
            f.write(zeros)

def deflated_dicom_bomb(path, padding_mib):
    """Deflated explicit VR little endian whose data set holds padding_mib MiB of zeros before a 6 x 5 image."""
    plain = dicom_file(np.zeros((5, 6)), 0, '1.2.840.10008.1.2.1.99', True, '<', False)
    body_start = plain.index(b'\\x08\\x00\\x60\\x00')  # the first data set element, (0008,0060)
    meta, body = plain[:body_start], plain[body_start:]
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    out = packer.compress(element(0x0008, 0x0005, 'CS', 'ISO_IR 100'))
    out += packer.compress(struct.pack('<HH', 0x0009, 0x1000) + b'OB\\0\\0' + struct.pack('<I', padding_mib << 20))
    zeros = bytes(1 << 20)
    for _ in range(padding_mib):
        out += packer.compress(zeros)
    out += packer.compress(body) + packer.flush()
    with open(path, 'wb') as f:
        f.write(meta + out)
`;

function python(script: string): void {
  const result = spawnSync('python3', ['-c', WRITERS + script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

function peakRssBytes(stderr: string): number {
  const kb = /BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1];
  assert.ok(kb, 'the preload reported peak memory');
  return Number(kb) * 1024;
}

/** Ingests `pool` with a capped heap; returns the skipped entries and the peak resident memory. */
function ingest(
  root: string,
  name: string,
  pool: string[],
): { skipped: Array<{ path: string; reason: string }>; peak: number } {
  const configFile = path.join(root, `${name}.json`);
  fs.writeFileSync(configFile, JSON.stringify({ pool, downstream: [], imageSize: 16, ingest: { maxBytes: BUDGET } }));
  const env = {
    NODE_OPTIONS: `--max-old-space-size=${HEAP_MB} --require ${path.join(ROOT, 'scripts/bench/report-rss.cjs')}`,
  };
  const run = runCli(['ingest', '--config', configFile, '--out', path.join(root, `run-${name}`), '--json'], {
    env,
    timeoutMs: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return { skipped: run.json!.skipped as Array<{ path: string; reason: string }>, peak: peakRssBytes(run.stderr) };
}

test('gzip bombs, a deflated DICOM bomb and a series over the byte budget are refused from their headers, memory stays flat', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-limits-'));
  const series = path.join(root, 'series');
  const deflated = path.join(root, 'deflated');
  python(`
import os
write_nifti('${root}/good.nii', (np.arange(32 * 32 * 4).reshape(32, 32, 4) % 251).astype(np.uint8), 2, 8)
# 201 million float64 voxels (under ingest.maxVoxels) claim 1.5 GiB, all of it there as zeros: a 1.6 MB file.
gzip_bomb('${root}/claims-huge.nii.gz', (256, 256, 3072), 64, 64, 1536)
# A 256 KiB volume whose gzip stream goes on with 256 MiB of zeros.
gzip_bomb('${root}/goes-on.nii.gz', (64, 64, 64), 2, 8, 256)
os.makedirs('${deflated}')
deflated_dicom_bomb('${deflated}/bomb.dcm', 256)
# 32 slices of 1024 x 1024 int16: a 64 MiB series, four times the budget.
os.makedirs('${series}')
rows, cols = np.meshgrid(np.arange(1024), np.arange(1024), indexing='ij')
for k in range(32):
    with open(f'${series}/im{k}.dcm', 'wb') as f:
        f.write(dicom_file((rows + cols + k) % 2000, k, '1.2.840.10008.1.2.1', True, '<', False))
`);
  const baseline = ingest(root, 'baseline', [path.join(root, 'good.nii')]);
  const attacked = ingest(root, 'attacked', [
    path.join(root, 'good.nii'),
    path.join(root, '*.nii.gz'),
    deflated,
    series,
  ]);
  const reasons = new Map(attacked.skipped.map((s) => [s.path, s.reason]));
  assert.match(
    reasons.get(path.join(root, 'claims-huge.nii.gz')) ?? '',
    /voxel data takes 1,536 MiB decoded, over the limit of 16 MiB \(raise ingest\.maxBytes/,
  );
  assert.match(
    reasons.get(path.join(root, 'goes-on.nii.gz')) ?? '',
    /gzip data goes on past the 262,496 bytes its header declares/,
  );
  assert.match(
    reasons.get(path.join(deflated, 'bomb.dcm')) ?? '',
    /no pixel data within the first \d+ bytes, over ingest\.maxBytes/,
  );
  assert.match(reasons.get(series) ?? '', /voxel data takes 64 MiB decoded, over the limit of 16 MiB/);
  t.diagnostic(
    `peak RSS ${(attacked.peak / MiB).toFixed(0)} MiB with the attacks, ${(baseline.peak / MiB).toFixed(0)} MiB without`,
  );
  assert.ok(
    attacked.peak < baseline.peak + PEAK_ALLOWANCE,
    `peak ${(attacked.peak / MiB).toFixed(0)} MiB, ${(baseline.peak / MiB).toFixed(0)} MiB without the attacks`,
  );
});

/** Bytes this process has read through read(2) so far (Linux). */
function bytesRead(): number {
  return Number(/rchar: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'latin1'))![1]);
}

test(
  'a truncated .nii whose header claims more than the file holds is refused without reading its voxels',
  { skip: process.platform !== 'linux' && 'needs /proc/self/io' },
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-limits-'));
    const file = path.join(root, 'truncated.nii');
    // The header declares 512 x 512 x 256 int16 (128 MiB); the file holds 32 MiB after it.
    python(`
with open('${file}', 'wb') as f:
    f.write(nifti_header((512, 512, 256), 4, 16))
    f.truncate(352 + (32 << 20))
`);
    const before = bytesRead();
    await assert.rejects(
      readNifti(file, { maxVoxels: 2 ** 28, maxBytes: 2 ** 30 }),
      (err: Error) =>
        err instanceof UnusableFileError &&
        err.message.startsWith(`${file}: truncated: the header declares 134217728 bytes`),
    );
    const read = bytesRead() - before;
    assert.ok(read < MiB, `read ${read} bytes of a ${32 * MiB} byte file`);
  },
);
