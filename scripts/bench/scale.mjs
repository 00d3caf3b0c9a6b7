// The scale curve (issue 21): ingest, score, propose and select (`--method optidel`) on synthetic
// pools of 10k slices (and 100k with `--large`), each stage the real `optidel` command in its own
// process, so each time (wall clock, process start included) and peak memory (resident, and the main
// thread's JavaScript heap) is that stage's alone; then selection alone (the optidel method, exact
// and hierarchical) on 1M synthetic embeddings (scripts/bench/selectionWorker.ts; `--no-million` leaves it out). With two
// pool sizes, each stage's time and peak memory grow from the smaller to the larger, set against
// N log N's ratio. The model is pre-trained one step (setup, timed but not a stage): the cost of
// scoring does not depend on the weights. The pools are NIfTI volumes of 100 axial 32 x 32 slices.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measured } from './measuredProcess.mjs';
import { SIDE, writePool } from './syntheticPool.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const cli = path.join(root, 'bin', 'optidel.js');
const selectionWorker = path.join(root, 'scripts', 'bench', 'selectionWorker.ts');
const flags = process.argv.slice(2);
// SCALE_BENCH_SIZES (slices, comma-separated, multiples of 100) overrides the sizes.
const SIZES = process.env.SCALE_BENCH_SIZES
  ? process.env.SCALE_BENCH_SIZES.split(',').map(Number)
  : flags.includes('--large')
    ? [10_000, 100_000]
    : [10_000];
const MILLION = 1_000_000;
const STAGES = ['ingest', 'score', 'propose', 'select'];
const log = (m) => process.stderr.write(`${m}\n`);

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
