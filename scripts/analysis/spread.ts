/**
 * How a selection spreads over the pool's acquisitions, behind docs/selection.md ("optidel's
 * diversity"): for each acquisition (src/engine/data/acquisition.ts), its share of the pool's
 * distinct samples and its share of the selection's key patches (or, for a method without
 * patches, of its selected samples), and the ratio of the two.
 *
 *   node --import tsx scripts/analysis/spread.ts --run RUN [--method optidel] [--json]
 *
 * Reads the run's cache index and selection/<method>.json; writes nothing.
 */
import * as path from 'node:path';
import { readCacheIndex } from '../../src/engine/data/cache';
import { acquisitionOf } from '../../src/engine/data/acquisition';
import { readSelection, readSelectionInput } from '../../src/engine/pipeline/runArtifacts';
import { exactDuplicateOf } from '../../src/engine/selection/duplicates';
import { centreRows, normalizeRows } from '../../src/engine/selection/vectors';

interface Row {
  acquisition: string;
  poolShare: number;
  selectedShare: number;
  ratio: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const run = flag('--run');
  if (!run) throw new Error('usage: spread.ts --run RUN [--method optidel] [--json]');
  const method = flag('--method') ?? 'optidel';
  const index = await readCacheIndex(run);
  const selection = await readSelection(run, method, index.samples.length);
  const sources = index.samples.map(acquisitionOf);
  const input = await readSelectionInput(run, console.warn);
  const patchSample = new Map((input.keyPatches ?? []).map((p) => [p.id, p.sampleId]));
  const picked = selection.patches?.length ? selection.patches.map((id) => patchSample.get(id)!) : selection.selected;
  const count = (ids: Iterable<number>) => {
    const out = new Map<string, number>();
    for (const id of ids) out.set(sources[id], (out.get(sources[id]) ?? 0) + 1);
    return out;
  };
  // Distinct samples, as optidel's quotas count them: an exact copy (a re-export) is never eligible.
  const duplicateOf = exactDuplicateOf(normalizeRows(centreRows(input.embeddings, input.dim), input.dim), input.dim);
  const distinct = input.sources.map((_, i) => i).filter((i) => duplicateOf[i] < 0);
  const pool = count(distinct);
  const chosen = count(picked);
  const rows: Row[] = [...pool].map(([acquisition, n]) => {
    const poolShare = n / distinct.length;
    const selectedShare = (chosen.get(acquisition) ?? 0) / picked.length;
    return { acquisition, poolShare, selectedShare, ratio: selectedShare / poolShare };
  });
  rows.sort((a, b) => b.poolShare - a.poolShare);
  if (args.includes('--json')) {
    console.log(JSON.stringify({ run: path.resolve(run), method, picks: picked.length, rows }));
    return;
  }
  console.log(`${method} in ${run}: ${picked.length} ${selection.patches?.length ? 'key patches' : 'samples'}`);
  console.log('| acquisition | share of the pool | share of the picks | ratio |\n|---|---:|---:|---:|');
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  for (const r of rows)
    console.log(`| ${r.acquisition} | ${pct(r.poolShare)} | ${pct(r.selectedShare)} | ${r.ratio.toFixed(2)} |`);
  const ratios = rows.filter((r) => r.poolShare >= 0.01).map((r) => r.ratio);
  console.log(
    `acquisitions with at least 1% of the pool: ratio from ${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)}`,
  );
}

main().catch((err: Error) => {
  console.error(`spread.ts: ${err.message}`);
  process.exit(1);
});
