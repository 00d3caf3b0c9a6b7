/**
 * The benchmark's split of each downstream data set at each seed, as the cells sign it: sample
 * counts per split and the data digest (`labelledDataDigest`). Run at two commits and compare the
 * output to see which cells a change to the splitting rules measures again, as behind
 * docs/benchmark.md ("Splits", the rule's history):
 *
 *   node --import tsx scripts/analysis/splitDigests.ts --config DATA/optidel.json [--seeds 8]
 *
 * Reads the data sets; writes nothing.
 */
import { quietContext } from '../../src/engine/command';
import { loadConfig } from '../../src/engine/config/loadConfig';
import { loadSplitsPerSeed } from '../../src/engine/bench/seedSplits';
import { labelledDataDigest } from '../../src/engine/bench/dataDigest';

const quiet = quietContext();

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => args[args.indexOf(flag) + 1];
  if (!args.includes('--config')) throw new Error('usage: splitDigests.ts --config DATA/optidel.json [--seeds 8]');
  const loaded = await loadConfig(value('--config'));
  const seeds = Array.from({ length: args.includes('--seeds') ? Number(value('--seeds')) : 8 }, (_, s) => s);
  const names = loaded.config.downstream.map((d) => d.name);
  const splits = await loadSplitsPerSeed(loaded, names, seeds, undefined, quiet);
  console.log('| data set | seed | train / val / test samples | data digest |');
  console.log('|---|---:|---|---|');
  for (const name of names) {
    for (const seed of seeds) {
      const data = splits.get(seed)!.find((d) => d.name === name)!;
      const counts = [data.train, data.val, data.test].map((s) => s.count).join(' / ');
      console.log(`| ${name} | ${seed} | ${counts} | ${labelledDataDigest(data)} |`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
