// Ingestion benchmark. Writes synthetic PNG folders and NIfTI volumes, then measures, in the same
// run and interleaved (the machine is shared: compare only numbers from one run):
//  - PNG folder: slices/s of `optidel ingest` against the floor, sharp alone decoding and resizing
//    the same files to the same size with the same concurrency (target: ingest within 1.5x);
//  - NIfTI volumes: slices/s against gunzip alone of the same files (the unavoidable part);
//  - peak memory (max RSS of the ingest process) at two pool sizes (target: independent of size).
// Times are medians of REPEATS runs; the spread (min..max) is the noise.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';

// Same settings as the ingest: no libvips operation cache (it would also let repeated rounds hit cached results).
sharp.cache(false);

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const cli = path.join(root, 'dist', 'engine', 'main.js');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');
const IMAGE_SIZE = 64;
const REPEATS = 3;
const PNG_SIDE = 256;
const PNG_COUNTS = [300, 1200];
const VOLUME_DIMS = [128, 128, 96];
const VOLUME_COUNTS = [3, 12];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-ingest-'));
const log = (m) => process.stderr.write(`${m}\n`);

if (!fs.existsSync(cli)) {
  log('dist/engine/main.js is missing: run "npm run build" first (npm run bench does)');
  process.exit(1);
}

/** A reproducible pseudo-random generator (mulberry32), so every run benches the same files. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Blobs on a noisy background: compresses like a real radiograph, not like flat colour. */
function syntheticImage(random, side) {
  const pixels = new Uint8Array(side * side);
  const blobs = Array.from({ length: 6 }, () => [random() * side, random() * side, (0.05 + random() * 0.25) * side, 60 + random() * 150]);
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
    await sharp(syntheticImage(random, PNG_SIDE), { raw: { width: PNG_SIDE, height: PNG_SIDE, channels: 1 } }).png().toFile(path.join(dir, `img-${String(i).padStart(5, '0')}.png`));
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

/** `optidel ingest` in its own process: its own timing (decode to cache, without start-up) and its peak memory. */
function ingest(poolDir, name) {
  const configFile = path.join(work, `${name}.json`);
  fs.writeFileSync(configFile, JSON.stringify({ pool: [poolDir], imageSize: IMAGE_SIZE }));
  const runDir = fs.mkdtempSync(path.join(work, `run-${name}-`));
  const run = spawnSync(process.execPath, ['--require', rssHook, cli, 'ingest', '--config', configFile, '--out', runDir, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`ingest ${name} failed: ${run.stderr}`);
  const summary = JSON.parse(run.stdout.trim().split('\n').pop());
  const rss = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(run.stderr)?.[1] ?? NaN);
  fs.rmSync(runDir, { recursive: true, force: true });
  return { seconds: summary.seconds, samples: summary.samples, maxRssMiB: rss / 1024 };
}

/** The floor for PNGs: sharp decoding, converting to gray and resizing the same files, 8 at a time like the ingest. */
async function sharpFloor(dir) {
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f)).sort();
  const started = performance.now();
  for (let i = 0; i < files.length; i += 8) {
    await Promise.all(files.slice(i, i + 8).map((f) => sharp(f).toColourspace('b-w').resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'contain' }).raw().toBuffer()));
  }
  return (performance.now() - started) / 1000;
}

/** The floor for volumes: gunzip alone of the same files. */
function gunzipFloor(dir) {
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const started = performance.now();
  for (const f of files) zlib.gunzipSync(fs.readFileSync(f));
  return (performance.now() - started) / 1000;
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

  const result = { imageSize: IMAGE_SIZE, repeats: REPEATS, png: {}, nifti: {}, memory: {} };
  // Throughput on the smaller pools, ingest and floor interleaved.
  const pngIngest = [];
  const pngFloor = [];
  const volIngest = [];
  const volFloor = [];
  let pngSamples = 0;
  let volSamples = 0;
  for (let r = 0; r < REPEATS; r++) {
    log(`round ${r + 1}/${REPEATS}`);
    pngFloor.push(await sharpFloor(pngDirs[0]));
    const p = ingest(pngDirs[0], `png-${r}`);
    pngIngest.push(p.seconds);
    pngSamples = p.samples;
    volFloor.push(gunzipFloor(volumeDirs[0]));
    const v = ingest(volumeDirs[0], `nifti-${r}`);
    volIngest.push(v.seconds);
    volSamples = v.samples;
  }
  result.png = {
    files: PNG_COUNTS[0], side: PNG_SIDE, samples: pngSamples,
    ingestSlicesPerSecond: Number((pngSamples / median(pngIngest)).toFixed(1)),
    sharpFloorSlicesPerSecond: Number((PNG_COUNTS[0] / median(pngFloor)).toFixed(1)),
    ratioToFloor: Number((median(pngIngest) / median(pngFloor)).toFixed(2)),
    target: 'ratioToFloor <= 1.5',
    ingestSecondsMinMax: spread(pngIngest), floorSecondsMinMax: spread(pngFloor),
  };
  result.nifti = {
    volumes: VOLUME_COUNTS[0], dims: VOLUME_DIMS, samples: volSamples,
    ingestSlicesPerSecond: Number((volSamples / median(volIngest)).toFixed(1)),
    gunzipOnlySlicesPerSecond: Number((volSamples / median(volFloor)).toFixed(1)),
    ratioToGunzip: Number((median(volIngest) / median(volFloor)).toFixed(2)),
    ingestSecondsMinMax: spread(volIngest), gunzipSecondsMinMax: spread(volFloor),
  };
  // Peak memory at two pool sizes (each in a fresh process).
  for (const [kind, dirs, counts] of [['png', pngDirs, PNG_COUNTS], ['nifti', volumeDirs, VOLUME_COUNTS]]) {
    const runs = dirs.map((d, i) => ({ files: counts[i], ...ingest(d, `${kind}-mem-${i}`) }));
    result.memory[kind] = { runs: runs.map((r) => ({ files: r.files, samples: r.samples, maxRssMiB: Number(r.maxRssMiB.toFixed(1)) })), growth: Number((runs[1].maxRssMiB / runs[0].maxRssMiB).toFixed(2)), target: 'growth close to 1 for 4x the pool' };
  }
  result.loadAverage = os.loadavg();
  log(JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
