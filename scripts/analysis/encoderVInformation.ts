/**
 * The paper's V-information comparison of encoders, behind docs/selection.md ("V-information"):
 * for every encoder a benchmark pre-trained (each method, seed and budget of its report), its
 * V-information I_V = H_V(Y|∅) - H_V(Y|X) on one common held-out set: the test split of each
 * downstream data set with the config's seed (seed 0's split in the benchmark; one set for every
 * encoder, so they compare on the same images), images no encoder pre-trained on (the benchmark
 * leaves downstream images found in the pool out of every pre-training). Masks are drawn apart from the scores' masks and the
 * interval is the 95% bootstrap of src/engine/selection/vInformation.ts.
 *
 *   node --import tsx scripts/analysis/encoderVInformation.ts --run BENCH_RUN [--json]
 *
 * Reads BENCH_RUN/bench/report.json, its checkpoints and the config the report names; writes nothing.
 * `scratch` is the same MAE untrained (seeded as the benchmark seeds it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VInformationEstimate } from '../../src/shared/artifacts';
import { ARTIFACTS } from '../../src/shared/run/layout';
import { selectBackend } from '../../src/engine/backends/select';
import { checkpointName } from '../../src/engine/bench/encoders';
import { cellBudget } from '../../src/engine/bench/runBench';
import { loadConfig } from '../../src/engine/config/loadConfig';
import { loadSegmentationDataset } from '../../src/engine/data/segmentation';
import { checkpointDir } from '../../src/engine/model/checkpoint';
import { MaeModel } from '../../src/engine/model/mae';
import { estimateVInformation } from '../../src/engine/selection/vInformation';
import type { OptidelImages } from '../../src/shared/commands';

const MASKS = 4;

interface Row {
  method: string;
  seed: number;
  budget: number;
  dataset: string;
  estimate: VInformationEstimate;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--run');
  const run = at >= 0 ? args[at + 1] : undefined;
  if (!run) throw new Error('usage: encoderVInformation.ts --run BENCH_RUN [--json]');
  const report = JSON.parse(fs.readFileSync(path.join(run, ARTIFACTS.benchReport), 'utf8')) as {
    settings: {
      configFile: string;
      methods: string[];
      seeds: number[];
      budgets: number[];
      datasets: string[];
      optidelImages?: OptidelImages;
    };
  };
  const s = report.settings;
  await selectBackend('wasm');
  const loaded = await loadConfig(s.configFile);
  const tests = [];
  for (const name of s.datasets)
    tests.push({ name, test: (await loadSegmentationDataset(loaded, name, { seed: loaded.config.seed })).test });
  const shape = (await MaeModel.load(checkpointDir(run, checkpointName('full', 0, 1)))).config;
  const rows: Row[] = [];
  const seen = new Set<string>();
  for (const b of s.budgets)
    for (const method of s.methods)
      for (const seed of s.seeds) {
        const budget = cellBudget(method, b);
        const name = checkpointName(method, seed, budget, s.optidelImages);
        if (seen.has(name)) continue;
        seen.add(name);
        const model =
          method === 'scratch' ? MaeModel.create(shape, seed) : await MaeModel.load(checkpointDir(run, name));
        try {
          for (const { name: dataset, test } of tests) {
            const ids = Array.from({ length: test.count }, (_, i) => i);
            const estimate = await estimateVInformation(model, test.images, ids, { masks: MASKS, seed: 0 });
            rows.push({ method, seed, budget, dataset, estimate });
          }
        } finally {
          model.dispose();
        }
        process.stderr.write(`encoderVInformation: ${name} done\n`);
      }
  if (args.includes('--json')) {
    console.log(JSON.stringify({ run: path.resolve(run), masks: MASKS, rows }));
    return;
  }
  // Mean over seeds of each term, per method and data set, in nats per masked value.
  console.log(`| method | ${s.datasets.map((d) => `${d}: I_V (H_V(Y|∅) − H_V(Y|X))`).join(' | ')} |`);
  console.log(`|---|${s.datasets.map(() => '---:').join('|')}|`);
  for (const method of s.methods) {
    const cells = s.datasets.map((dataset) => {
      const mine = rows.filter((r) => r.method === method && r.dataset === dataset);
      const mean = (pick: (e: VInformationEstimate) => number) =>
        mine.reduce((sum, r) => sum + pick(r.estimate), 0) / mine.length;
      return `${mean((e) => e.value).toFixed(3)} (${mean((e) => e.hYEmpty).toFixed(3)} − ${mean((e) => e.hYGivenX).toFixed(3)})`;
    });
    console.log(`| ${method} | ${cells.join(' | ')} |`);
  }
}

main().catch((err: Error) => {
  console.error(`encoderVInformation.ts: ${err.message}`);
  process.exit(1);
});
