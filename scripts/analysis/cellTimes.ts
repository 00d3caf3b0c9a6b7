/**
 * Where a benchmark's fine-tuning time went, per data set, so that two runs' times can be told
 * apart as workload (steps run, split sizes) or speed (seconds per step), behind docs/benchmark.md
 * ("The demo as a 7-fold cross-validation over subjects", its "Time"):
 *
 *   node --import tsx scripts/analysis/cellTimes.ts --run RUN [--run RUN2 ...]
 *
 * Reads every cell file in RUN/bench/cells/ (the report lists only the last command's cells) and
 * RUN/bench/splits/*.json; writes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MeasuredCell } from '../../src/engine/bench/report';

function main(): void {
  const args = process.argv.slice(2);
  const runs = args.flatMap((arg, i) => (args[i - 1] === '--run' ? [arg] : []));
  if (runs.length === 0) throw new Error('usage: cellTimes.ts --run RUN [--run RUN2 ...]');
  console.log(
    '| run | data set | cells | fine-tuning steps run (mean) | seconds per cell (mean) | ms per step | train / val / test samples |',
  );
  console.log('|---|---|---:|---:|---:|---:|---|');
  for (const run of runs) {
    const bench = path.join(run, 'bench');
    const all = fs
      .readdirSync(path.join(bench, 'cells'))
      .filter((name) => name.endsWith('.json'))
      .map(
        (name) => (JSON.parse(fs.readFileSync(path.join(bench, 'cells', name), 'utf8')) as { cell: MeasuredCell }).cell,
      );
    for (const dataset of [...new Set(all.map((c) => c.dataset))].sort()) {
      const cells = all.filter((c) => c.dataset === dataset);
      const mean = (f: (c: MeasuredCell) => number) => cells.reduce((s, c) => s + f(c), 0) / cells.length;
      const steps = mean((c) => c.finetuneSteps);
      const seconds = mean((c) => c.seconds);
      console.log(
        `| ${run} | ${dataset} | ${cells.length} | ${steps.toFixed(0)} | ${seconds.toFixed(1)} | ${((1000 * seconds) / steps).toFixed(0)} | ${splitSizes(bench, dataset)} |`,
      );
    }
  }
}

/** The distinct train/val/test sample counts over the seeds of a data set's split report. */
function splitSizes(bench: string, dataset: string): string {
  const file = path.join(bench, 'splits', `${dataset}.json`);
  if (!fs.existsSync(file)) return 'no split report';
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    seeds: Array<{ split: { counts: { train: number; val: number; test: number } } }>;
  };
  const sizes = report.seeds.map(({ split: { counts } }) => `${counts.train}/${counts.val}/${counts.test}`);
  return [...new Set(sizes)].join(', ');
}

main();
