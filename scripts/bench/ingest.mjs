// Ingestion benchmark. Writes synthetic PNG folders and NIfTI volumes, then measures, in the same
// run (the machine is shared: compare only numbers from one run):
//  - PNG folder: slices/s of ingestPool against the floor, sharp alone decoding and resizing the
//    same files to the same size with the same concurrency (target: ingest within 1.5x), both in
//    one process (scripts/bench/ingestWorker.ts), alternated round by round;
//  - NIfTI volumes: slices/s against gunzip alone of the same files (the unavoidable part);
//  - peak memory (max RSS of a process that ingests) at two pool sizes (target: independent of size).
// Ratios are given on wall time and on CPU time (user + system, libvips' threads included), which
// other processes on a shared machine disturb far less. Medians of ROUNDS; min..max is the noise.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { rng } from './seededRandom.mjs';

// Same settings as the ingest: no libvips operation cache (it would also let repeated rounds hit cached results).
sharp.cache(false);

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const workerScript = path.join(root, 'scripts', 'bench', 'ingestWorker.ts');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');
const IMAGE_SIZE = 64;
const ROUNDS = 3;
const PNG_SIDE = 256;
const PNG_COUNTS = [300, 1200];
const VOLUME_DIMS = [128, 128, 96];
const VOLUME_COUNTS = [3, 12];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-ingest-'));
const log = (m) => process.stderr.write(`${m}\n`);

/** Blobs on a noisy background: compresses like a real radiograph, not like flat colour. */
function syntheticImage(random, side) {
  const pixels = new Uint8Array(side * side);
  const blobs = Array.from({ length: 6 }, () => [
    random() * side,
    random() * side,
    (0.05 + random() * 0.25) * side,
    60 + random() * 150,
  ]);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let v = 20 + random() * 25;
      for (const [cx, cy, r, level] of blobs) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) v = level + random() * 20;
      pixels[y * side + x] = v;
    }
  }
  return pixels;
}

async function writePngFolder(dir, count) {
  fs.mkdirSync(dir, { recursive: true });
  const random = rng(count);
  for (let i = 0; i < count; i++) {
    await sharp(syntheticImage(random, PNG_SIDE), { raw: { width: PNG_SIDE, height: PNG_SIDE, channels: 1 } })
      .png()
      .toFile(path.join(dir, `img-${String(i).padStart(5, '0')}.png`));
  }
}

function niftiBytes(dims, data) {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, ...dims, 1, 1, 1, 1].forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(4, 70); // int16
  header.writeInt16LE(16, 72);
  [1, 1, 1, 2].forEach((v, i) => header.writeFloatLE(v, 76 + 4 * i));
  header.writeFloatLE(352, 108);
  header.write('n+1\0', 344, 'latin1');
  return Buffer.concat([header, Buffer.from(data.buffer)]);
}

function writeVolumes(dir, count) {
  fs.mkdirSync(dir, { recursive: true });
  const random = rng(1000 + count);
  const [nx, ny, nz] = VOLUME_DIMS;
  for (let v = 0; v < count; v++) {
    const data = new Int16Array(nx * ny * nz);
    let p = 0;
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++, p++) {
          const r = ((x - nx / 2) / (nx * 0.4)) ** 2 + ((y - ny / 2) / (ny * 0.3)) ** 2;
          data[p] = r < 1 ? 40 + 300 * (r > 0.85) + random() * 30 : -1000 + random() * 20;
        }
      }
    }
    fs.writeFileSync(path.join(dir, `vol-${v}.nii.gz`), zlib.gzipSync(niftiBytes(VOLUME_DIMS, data), { level: 4 }));
  }
}

/** Runs the worker; returns its JSON line and its peak RSS. */
function worker(args) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--require', rssHook, workerScript, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`ingest worker ${args.join(' ')} failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  return { ...result, maxRssMiB: Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(run.stderr)?.[1] ?? NaN) / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => [Math.min(...xs), Math.max(...xs)].map((x) => Number(x.toFixed(3)));

try {
  log(`writing bench data in ${work}`);
  const pngDirs = [];
  for (const n of PNG_COUNTS) {
    const dir = path.join(work, `png-${n}`);
    await writePngFolder(dir, n);
    pngDirs.push(dir);
  }
  const volumeDirs = VOLUME_COUNTS.map((n) => {
    const dir = path.join(work, `nifti-${n}`);
    writeVolumes(dir, n);
    return dir;
  });

  const result = { imageSize: IMAGE_SIZE, rounds: ROUNDS, png: {}, nifti: {}, memory: {} };
  for (const [kind, dir, files] of [
    ['png', pngDirs[0], PNG_COUNTS[0]],
    ['nifti', volumeDirs[0], VOLUME_COUNTS[0]],
  ]) {
    log(`throughput: ${kind}`);
    const run = worker(['throughput', dir, kind, String(ROUNDS)]);
    const wall = (phase) => run.rounds.map((r) => r[phase].wall);
    const cpu = (phase) => run.rounds.map((r) => r[phase].cpu);
    result[kind] = {
      files,
      samples: run.samples,
      ingestSlicesPerSecond: Number((run.samples / median(wall('ingest'))).toFixed(1)),
      floorSlicesPerSecond: Number((run.samples / median(wall('floor'))).toFixed(1)),
      floor: kind === 'png' ? 'sharp decode + gray + resize, 8 at a time' : 'gunzip alone',
      ratioToFloorWall: Number((median(wall('ingest')) / median(wall('floor'))).toFixed(2)),
      ratioToFloorCpu: Number((median(cpu('ingest')) / median(cpu('floor'))).toFixed(2)),
      ...(kind === 'png' ? { target: 'ratio <= 1.5' } : {}),
      ingestWallMinMax: spread(wall('ingest')),
      floorWallMinMax: spread(wall('floor')),
      ingestCpuMinMax: spread(cpu('ingest')),
      floorCpuMinMax: spread(cpu('floor')),
    };
  }
  // Peak memory at two pool sizes (each in a fresh process).
  for (const [kind, dirs, counts] of [
    ['png', pngDirs, PNG_COUNTS],
    ['nifti', volumeDirs, VOLUME_COUNTS],
  ]) {
    const runs = dirs.map((d, i) => ({ files: counts[i], ...worker(['memory', d]) }));
    result.memory[kind] = {
      runs: runs.map((r) => ({ files: r.files, samples: r.samples, maxRssMiB: Number(r.maxRssMiB.toFixed(1)) })),
      growth: Number((runs[1].maxRssMiB / runs[0].maxRssMiB).toFixed(2)),
      deltaMiB: Number((runs[1].maxRssMiB - runs[0].maxRssMiB).toFixed(1)),
      target: 'growth close to 1 for 4x the pool',
    };
  }
  result.loadAverage = os.loadavg();
  log(JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
