// `npm run demo`: build, make the `small` demo data, run a small benchmark on it and print the table.
// `npm run demo -- --long` runs the same comparison with 4x the pre-training and 5 seeds, plus
// OptiDEL by each difficulty score; `--seeds N` sets the number of seeds of either. Everything lands
// in .optidel/demo/ (git-ignored); running it again resumes and reuses finished cells. Timings and
// results: docs/benchmark.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const demo = path.join(root, '.optidel', 'demo');
const data = path.join(demo, 'data');
const config = path.join(data, 'optidel.json');
const cli = path.join(root, 'bin', 'optidel.js');

/** One engine per core (wasm trains on one core each), at most 4: each holds a few hundred MB. */
const workers = String(Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 4)));

/**
 * The demo benchmark: OptiDEL and every baseline selector (random, easy-first, MedDEL, prototypes,
 * k-center) at 5% of the pool against full data and no pre-training (scratch), 3 seeds, equal
 * compute (600 optimiser steps of 16 images for every encoder), full fine-tuning with the pixel
 * head on every data set from 32 labelled slices (fewer labels are where pre-training can pay).
 */
export const DEMO_BENCH = [
  '--methods',
  'scratch,full,random,easy,meddel,prototypes,kcenter,optidel',
  '--budget',
  '0.05',
  '--seeds',
  '3',
  '--preset',
  'tiny',
  '--steps',
  '600',
  '--batch-size',
  '16',
  '--finetune-mode',
  'full',
  '--finetune-steps',
  '300',
  '--max-train',
  '32',
  '--workers',
  workers,
];

/** `args` with the value after each flag in `rewrites` replaced by that rewrite of it. */
function withFlagValues(args, rewrites) {
  return args.map((arg, i) => rewrites.get(args[i - 1])?.(arg) ?? arg);
}

/**
 * `--long`: 4x the pre-training, 5 seeds, and OptiDEL by each difficulty score (the comparison that
 * chooses the default, docs/selection.md). Several hours on 2 cores.
 */
export const LONG_BENCH = withFlagValues(
  DEMO_BENCH,
  new Map([
    ['--steps', () => '2400'],
    ['--seeds', () => '5'],
    ['--methods', (methods) => `${methods},optidel-intensity,optidel-pvi`],
  ]),
);

const long = process.argv.includes('--long');
/**
 * `--seeds N` runs seeds 0..N-1 of the same comparison; in the same run folder the finished seeds'
 * cells are reused, so `npm run demo -- --seeds 5` after `npm run demo` computes seeds 3 and 4 only.
 */
const seedsAt = process.argv.indexOf('--seeds');
const seeds = seedsAt < 0 ? undefined : process.argv[seedsAt + 1];
if (seedsAt >= 0 && !/^[1-9][0-9]*$/.test(seeds ?? '')) {
  console.error(`npm run demo: --seeds needs a whole number of seeds, at least 1 (got "${seeds ?? ''}")`);
  process.exit(2);
}
const withSeeds = (args) => (seeds ? withFlagValues(args, new Map([['--seeds', () => seeds]])) : args);
function step(title, command, args) {
  console.log(`\n== ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\nnpm run demo: "${title}" failed (exit ${result.status ?? result.signal}); see the messages above`);
    process.exit(result.status ?? 1);
  }
  console.log(`   (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const started = Date.now();
step('Building', process.execPath, [path.join(root, 'scripts', 'build.mjs')]);
if (fs.existsSync(config)) console.log(`\n== Demo data: reusing ${data}`);
else step('Writing the small demo data set', process.execPath, [cli, 'demo-data', '--out', data, '--size', 'small']);
const out = path.join(demo, long ? 'run-long' : 'run');
step(
  `Benchmark${long ? ' (long)' : ''}: pre-train one encoder per method and seed, fine-tune on every data set (${workers} engines)`,
  process.execPath,
  [cli, 'bench', '--config', config, '--out', out, ...withSeeds(long ? LONG_BENCH : DEMO_BENCH)],
);
console.log(
  `\nDone in ${((Date.now() - started) / 60000).toFixed(1)} min. Report: ${path.join(out, 'bench', 'report.md')}`,
);
