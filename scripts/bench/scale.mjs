// The scale curve (issue 21): ingest, score, propose and select (`--method optidel`) on synthetic
// pools of 10k slices (and 100k with `--large`), each stage the real `optidel` command in its own
// process, so each time (wall clock, process start included) and peak memory (resident, and the main
// thread's JavaScript heap) is that stage's alone; then selection alone (the optidel method, exact
// and hierarchical) on 1M synthetic embeddings (scripts/bench/selectionWorker.ts; `--no-million` leaves it out). With two
// pool sizes, each stage's time and peak memory grow from the smaller to the larger, set against
// N log N's ratio. The model is pre-trained one step (setup, timed but not a stage): the cost of
// scoring does not depend on the weights. The pools are NIfTI volumes of 100 axial 32 x 32 slices.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rng } from './seededRandom.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const cli = path.join(root, 'bin', 'optidel.js');
const selectionWorker = path.join(root, 'scripts', 'bench', 'selectionWorker.ts');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');
const flags = process.argv.slice(2);
// SCALE_BENCH_SIZES (slices, comma-separated, multiples of 100) overrides the sizes.
const SIZES = process.env.SCALE_BENCH_SIZES
  ? process.env.SCALE_BENCH_SIZES.split(',').map(Number)
  : flags.includes('--large')
    ? [10_000, 100_000]
    : [10_000];
const MILLION = 1_000_000;
const SLICES_PER_VOLUME = 100;
const SIDE = 32;
const STAGES = ['ingest', 'score', 'propose', 'select'];
const log = (m) => process.stderr.write(`${m}\n`);
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

/** A uint8 NIfTI-1 volume of SIDE x SIDE x SLICES_PER_VOLUME: drifting blobs on noise, no slice empty. */
function volumeBytes(random) {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, SIDE, SIDE, SLICES_PER_VOLUME, 1, 1, 1, 1].forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(2, 70); // uint8
  header.writeInt16LE(8, 72);
  [1, 1, 1, 1].forEach((v, i) => header.writeFloatLE(v, 76 + 4 * i));
  header.writeFloatLE(352, 108);
  header.write('n+1\0', 344, 'latin1');
  const blobs = Array.from({ length: 4 }, () => ({
    x: random() * SIDE,
    y: random() * SIDE,
    dx: (random() - 0.5) * 0.3,
    dy: (random() - 0.5) * 0.3,
    r: (0.15 + random() * 0.2) * SIDE,
    level: 80 + random() * 150,
  }));
  const data = Buffer.alloc(SIDE * SIDE * SLICES_PER_VOLUME);
  let p = 0;
  for (let z = 0; z < SLICES_PER_VOLUME; z++) {
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++, p++) {
        let v = 10 + random() * 30;
        for (const b of blobs) if ((x - b.x - b.dx * z) ** 2 + (y - b.y - b.dy * z) ** 2 < b.r ** 2) v = b.level;
        data[p] = Math.min(255, v + random() * 20);
      }
    }
  }
  return Buffer.concat([header, data]);
}

function writePool(dir, slices) {
  fs.mkdirSync(path.join(dir, 'volumes'), { recursive: true });
  const random = rng(slices);
  for (let v = 0; v < slices / SLICES_PER_VOLUME; v++)
    fs.writeFileSync(path.join(dir, 'volumes', `vol-${String(v).padStart(5, '0')}.nii`), volumeBytes(random));
  const config = { pool: ['volumes'], imageSize: SIDE, budget: 0.05, seed: 0, ingest: { axes: ['axial'] } };
  fs.writeFileSync(path.join(dir, 'optidel.json'), JSON.stringify(config));
}

/** The peak memory report-rss.cjs printed on a measured process's stderr, in MiB. */
function peaks(stderr) {
  const kb = (name) => Number(new RegExp(`${name}=(\\d+)`).exec(stderr)?.[1] ?? NaN) / 1024;
  const live = kb('BENCH_LIVE_HEAP_KB');
  return {
    peakRssMiB: Number(kb('BENCH_MAX_RSS_KB').toFixed(1)),
    peakHeapMiB: Number(kb('BENCH_PEAK_HEAP_KB').toFixed(1)),
    // The heap left by the fullest collection: what the stage held, without the garbage (null: none ran).
    liveHeapMiB: Number.isNaN(live) ? null : Number(live.toFixed(1)),
  };
}

/** One measured process: its last stdout line (JSON), wall seconds, peak memory and the load around it. */
function measured(what, args) {
  const loadBefore = load();
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--require', rssHook, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}): ${r.stderr.slice(-4000)}`);
  const json = JSON.parse(
    r.stdout
      .trim()
      .split('\n')
      .findLast((l) => l.startsWith('{')),
  );
  return { json, seconds: Number(seconds.toFixed(2)), ...peaks(r.stderr), loadBefore, loadAfter: load() };
}

const optidel = (args) => measured(`optidel ${args.join(' ')}`, [cli, ...args, '--json']);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-scale-bench-'));
const pools = [];
try {
  for (const n of SIZES) {
    const data = path.join(scratch, `pool-${n}`);
    const run = path.join(scratch, `run-${n}`);
    log(`writing a pool of ${n} slices`);
    writePool(data, n);
    const stages = {};
    stages.ingest = optidel(['ingest', '--config', path.join(data, 'optidel.json'), '--out', run]);
    const setup = optidel(['pretrain', '--run', run, '--preset', 'tiny', '--steps', '1', '--batch-size', '8']);
    stages.score = optidel(['score', '--run', run]);
    stages.propose = optidel(['propose', '--run', run]);
    stages.select = optidel(['select', '--run', run, '--method', 'optidel']);
    const samples = stages.ingest.json.samples;
    for (const stage of STAGES)
      log(
        `N=${n} ${stage.padEnd(8)} ${stages[stage].seconds.toFixed(1)} s, peak RSS ${stages[stage].peakRssMiB} MiB, heap ${stages[stage].peakHeapMiB} MiB (live ${stages[stage].liveHeapMiB}) (load ${stages[stage].loadBefore[0]})`,
      );
    pools.push({
      n,
      samples,
      workers: stages.score.json.workers,
      pretrainSetupSeconds: setup.seconds,
      stages: Object.fromEntries(STAGES.map((s) => [s, { ...stages[s], json: undefined }])),
    });
    fs.rmSync(data, { recursive: true, force: true });
    fs.rmSync(run, { recursive: true, force: true });
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

const growth =
  pools.length < 2
    ? undefined
    : (() => {
        const [small, large] = [pools[0], pools.at(-1)];
        const nLogN = (large.n * Math.log(large.n)) / (small.n * Math.log(small.n));
        return {
          from: small.n,
          to: large.n,
          nLogNRatio: Number(nLogN.toFixed(2)),
          stages: Object.fromEntries(
            STAGES.map((s) => {
              const time = large.stages[s].seconds / small.stages[s].seconds;
              return [
                s,
                {
                  time: Number(time.toFixed(2)),
                  timeVsNLogN: Number((time / nLogN).toFixed(2)),
                  peakRss: Number((large.stages[s].peakRssMiB / small.stages[s].peakRssMiB).toFixed(2)),
                  peakHeap: Number((large.stages[s].peakHeapMiB / small.stages[s].peakHeapMiB).toFixed(2)),
                  liveHeap:
                    large.stages[s].liveHeapMiB && small.stages[s].liveHeapMiB
                      ? Number((large.stages[s].liveHeapMiB / small.stages[s].liveHeapMiB).toFixed(2))
                      : null,
                },
              ];
            }),
          ),
        };
      })();

/**
 * Selection alone at 1M, the exact optidel selector and its hierarchical path (`select
 * --hierarchical`, the one meant for pools of millions, docs/scale-out.md), against the 60 s target.
 */
const million = flags.includes('--no-million')
  ? undefined
  : ['optidel', 'optidel-hierarchical'].map((method) => {
      log(`selection alone (${method}) at ${MILLION} synthetic embeddings`);
      const r = measured(`${method} at 1M`, ['--import', 'tsx', selectionWorker, String(MILLION), method]);
      const row = {
        n: MILLION,
        method,
        dim: 128,
        budget: 0.05,
        seconds: Number(r.json.seconds.toFixed(2)),
        cpuSeconds: Number(r.json.cpuSeconds.toFixed(2)),
        processSeconds: r.seconds,
        selected: r.json.selected,
        peakRssMiB: r.peakRssMiB,
        peakHeapMiB: r.peakHeapMiB,
        target: 'seconds < 60',
        loadBefore: r.loadBefore,
        loadAfter: r.loadAfter,
      };
      log(`${method} at 1M: ${row.seconds} s (CPU ${row.cpuSeconds} s), peak RSS ${row.peakRssMiB} MiB`);
      return row;
    });

process.stdout.write(`${JSON.stringify({ sliceSide: SIDE, preset: 'tiny', pools, growth, million })}\n`);
