/**
 * The select stage: runs a selection method on the run's scores, logs the picks that relaxed a
 * diversity rule, estimates the subset's V-information with the foundation model (both terms and
 * their intervals), and writes selection/<method>.json. Hand curation
 * saved earlier in that file (`manual`) is kept: re-selecting must not throw away a person's work.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RelaxedPicks, SelectionFile } from '../../shared/artifacts';
import { selectionFile } from '../../shared/artifacts';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import type { CommandContext } from '../command';
import { throwIfCancelled } from '../command';
import type { PoolCache } from '../data/cache';
import type { MaeModel } from '../model/mae';
import { SeededRandom, permutation } from '../model/rng';
import { selectSubset, type SelectionInput, type SelectionMethod, type SelectionOptions } from '../selection/methods';
import { estimateVInformation } from '../selection/vInformation';

export interface SelectStageOptions extends SelectionOptions {
  method: SelectionMethod;
  /** Random masks per sample for the V-information estimate (default 4). */
  masks?: number;
  /** The V-information is estimated on at most this many samples of the subset (default 512), drawn by seed. */
  vInformationSamples?: number;
}

export async function selectStage(runDir: string, input: SelectionInput, cache: PoolCache, model: MaeModel | undefined, options: SelectStageOptions, ctx: CommandContext): Promise<SelectionFile> {
  throwIfCancelled(ctx.signal);
  ctx.progress('select', 0, 2, options.method);
  const started = performance.now();
  const result = selectSubset(options.method, input, options);
  ctx.log('info', `select: ${options.method} kept ${result.selected.length} of ${cache.size} samples${result.patches ? ` and ${result.patches.length} key patches` : ''} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (result.relaxed) ctx.log(relaxedCount(result.relaxed) ? 'warn' : 'info', `select: ${describeRelaxed(result.relaxed)}`);
  ctx.progress('select', 1, 2, 'V-information');
  const vInformation = model ? await subsetVInformation(model, cache, result.selected, options, ctx.signal) : undefined;
  const file = path.join(runDir, selectionFile(options.method));
  const previous = fs.existsSync(file) ? ((await readJsonFile(file).catch(() => undefined)) as SelectionFile | undefined) : undefined;
  const selection: SelectionFile = {
    version: 1,
    method: options.method,
    budget: options.budget,
    seed: options.seed,
    selected: result.selected,
    ...(result.patches ? { patches: result.patches } : {}),
    ...(result.relaxed ? { relaxed: result.relaxed } : {}),
    ...(vInformation ? { vInformation } : {}),
    ...(previous?.manual ? { manual: previous.manual } : {}),
    createdAt: new Date().toISOString(),
  };
  await writeJsonAtomic(file, selection);
  ctx.progress('select', 2, 2);
  return selection;
}

async function subsetVInformation(model: MaeModel, cache: PoolCache, selected: number[], options: SelectStageOptions, signal: AbortSignal) {
  const limit = options.vInformationSamples ?? 512;
  const ids = selected.length <= limit ? selected : Array.from(permutation(selected.length, new SeededRandom(options.seed)).subarray(0, limit), (i) => selected[i]);
  if (ids.length === 0) return undefined;
  const pixels = await cache.read(ids);
  throwIfCancelled(signal); // a cancel that came in while the subset was chosen
  return estimateVInformation(model, pixels, ids, { masks: options.masks ?? 4, seed: options.seed, signal });
}

function relaxedCount(r: RelaxedPicks): number {
  return r.nearDuplicate + r.acquisitionCap + r.short;
}

/** One line for the log and the command's text output: which rules gave way, and by how many picks. */
export function describeRelaxed(r: RelaxedPicks): string {
  if (!relaxedCount(r)) return 'every key patch met the diversity rules (acquisition quotas, near-duplicate distance)';
  const parts = [
    r.nearDuplicate ? `${r.nearDuplicate} near-duplicates of selected samples (too few distinct samples within the quotas)` : '',
    r.acquisitionCap ? `${r.acquisitionCap} beyond their acquisition's quota (quotas doubled ${r.capDoublings}x: the other acquisitions had no more patches)` : '',
    r.short ? `${r.short} short of the budget (no patches left outside exact duplicates)` : '',
  ];
  return `relaxed picks: ${parts.filter(Boolean).join('; ')}`;
}
