// What `optidel score` and `optidel propose` hold on a large pool (issue 21): a synthetic pool of
// 100k slices (STAGE_MEMORY_SLICES), ingested and pre-trained one step once, then scored and its
// key patches proposed, each with one mask on two threads: the main thread's live heap (what it
// held at once), its peak heap, the peak resident memory of all threads, and the wall time. With
// `--base=PATH` (a checkout of the change's base, built) it alternates the base's engine and this
// one's on the same run folder, twice each, so a change is measured against its base under the
// same load.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load, measured } from './measuredProcess.mjs';
import { writePool } from './syntheticPool.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const base = process.argv.find((a) => a.startsWith('--base='))?.slice('--base='.length);
const slices = Number(process.env.STAGE_MEMORY_SLICES ?? 100_000);
const cli = (checkout) => path.join(checkout, 'bin', 'optidel.js');
const optidel = (what, checkout, args) => measured(what, [cli(checkout), ...args, '--json']);
const log = (m) => process.stderr.write(`${m}\n`);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-stage-memory-'));
try {
  const data = path.join(scratch, 'pool');
  const run = path.join(scratch, 'run');
  log(`writing a pool of ${slices} slices`);
  writePool(data, slices);
  optidel('ingest', root, ['ingest', '--config', path.join(data, 'optidel.json'), '--out', run]);
  optidel('pretrain', root, ['pretrain', '--run', run, '--preset', 'tiny', '--steps', '1', '--batch-size', '8']);
  const order = base ? [base, root, base, root] : [root];
  const runs = order.flatMap((checkout) =>
    ['score', 'propose'].map((stage) => {
      const r = optidel(`${stage} (${checkout})`, checkout, [stage, '--run', run, '--masks', '1', '--workers', '2']);
      const side = checkout === root ? 'this' : 'base';
      log(
        `${side} ${stage}: live heap ${r.liveHeapMiB} MiB, peak heap ${r.peakHeapMiB} MiB, peak RSS ${r.peakRssMiB} MiB, ${r.seconds} s (load ${r.loadBefore[0]} to ${r.loadAfter[0]})`,
      );
      const { json: _json, ...figures } = r;
      return { side, stage, checkout, ...figures };
    }),
  );
  process.stdout.write(`${JSON.stringify({ slices, masks: 1, workers: 2, runs, loadAverage: load() })}\n`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
