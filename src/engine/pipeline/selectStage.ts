/**
 * The select stage: runs a selection method on the run's scores, logs the picks that relaxed a
 * diversity rule, estimates the V-information of what the method trains on with the foundation
 * model (both terms and their intervals), and writes selection/<method>.json. Hand curation
 * saved earlier in that file (`manual`) is kept: re-selecting must not throw away a person's work.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SelectionFile, SelectionMethodOptions, VInformationEstimate } from '../../shared/artifacts';
import { describeRelaxed, relaxedCount } from '../../shared/relaxedPicks';
import { selectionFile } from '../../shared/artifacts';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import type { CommandContext } from '../command';
import { throwIfCancelled } from '../command';
import type { PoolCache } from '../data/cache';
import type { MaeModel } from '../model/mae';
import { SeededRandom, permutation } from '../model/rng';
import {
  selectSubset,
  type SelectionInput,
  type SelectionMethod,
  type SelectionOptions,
  type SelectionResult,
} from '../selection/methods';
import { estimateVInformation } from '../selection/vInformation';
import { balancedSelect, type BalanceColumn } from '../selection/balance';
import { buildCompactSet, NO_ADVERSARIAL } from './compactSet';

export interface SelectStageOptions extends SelectionOptions {
  method: SelectionMethod;
  /** Random masks per sample for the V-information estimate (default 4). */
  masks?: number;
  /** The V-information is estimated on at most this many images the method trains on (default 512), drawn by seed. */
  vInformationSamples?: number;
  /** Split the budget across this metadata column's values (selection/balance.ts). */
  balance?: BalanceColumn;
}

export async function selectStage(
  runDir: string,
  input: SelectionInput,
  cache: PoolCache,
  model: MaeModel | undefined,
  options: SelectStageOptions,
  ctx: CommandContext,
): Promise<SelectionFile> {
  throwIfCancelled(ctx.signal);
  ctx.progress('select', 0, 2, options.method);
  const started = performance.now();
  const result = options.balance
    ? balancedSelect(options.method, input, options, options.balance)
    : selectSubset(options.method, input, options);
  ctx.log(
    'info',
    `select: ${options.method} kept ${result.selected.length} of ${cache.size} samples${result.patches ? ` and ${result.patches.length} key patches` : ''} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.relaxed)
    ctx.log(relaxedCount(result.relaxed) ? 'warn' : 'info', `select: ${describeRelaxed(result.relaxed)}`);
  ctx.progress('select', 1, 2, 'V-information');
  const vInformation = model
    ? await trainedOnVInformation(model, cache, input, result, options, ctx.signal)
    : undefined;
  const file = path.join(runDir, selectionFile(options.method));
  const previous = fs.existsSync(file)
    ? ((await readJsonFile(file).catch(() => undefined)) as SelectionFile | undefined)
    : undefined;
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
    ...(methodOptions(options) ? { options: methodOptions(options) } : {}),
    createdAt: new Date().toISOString(),
  };
  await writeJsonAtomic(file, selection);
  ctx.progress('select', 2, 2);
  return selection;
}

/**
 * V-information of what the method trains on: its compact set (pipeline/compactSet.ts) before
 * adversarial hardening (the mosaics of a key-patch selection, else the selected images), at most
 * `vInformationSamples` of its images, drawn by seed.
 */
async function trainedOnVInformation(
  model: MaeModel,
  cache: PoolCache,
  input: SelectionInput,
  result: SelectionResult,
  options: SelectStageOptions,
  signal: AbortSignal,
): Promise<VInformationEstimate | undefined> {
  const set = await buildCompactSet(
    { method: options.method, selected: result.selected, patches: result.patches },
    input.keyPatches ?? [],
    input.sources,
    cache,
    undefined,
    { adversarial: NO_ADVERSARIAL, seed: options.seed, signal },
  );
  const area = cache.imageSize ** 2;
  const members: Array<{ id: number; generated?: number }> = [
    ...set.ids.map((id) => ({ id })),
    ...set.samples.map((s, k) => ({ id: s.id, generated: k })),
  ];
  const limit = options.vInformationSamples ?? 512;
  const chosen =
    members.length <= limit
      ? members
      : Array.from(permutation(members.length, new SeededRandom(options.seed)).subarray(0, limit), (i) => members[i]);
  if (chosen.length === 0) return undefined;
  const poolPixels = await cache.read(chosen.filter((m) => m.generated === undefined).map((m) => m.id));
  const pixels = new Float32Array(chosen.length * area);
  let nextPool = 0;
  chosen.forEach((m, k) => {
    const from =
      m.generated === undefined ? poolPixels.subarray(nextPool++ * area) : set.pixels.subarray(m.generated * area);
    pixels.set(from.subarray(0, area), k * area);
  });
  throwIfCancelled(signal); // a cancel that came in while the subset was chosen
  const estimate = await estimateVInformation(
    model,
    pixels,
    chosen.map((m) => m.id),
    { masks: options.masks ?? 4, seed: options.seed, signal },
  );
  return { ...estimate, measuredOn: set.samples.length ? 'mosaics' : 'selected images' };
}

/** The method options that were given (JSON leaves out the ones that were not), or undefined when none was. */
function methodOptions(options: SelectStageOptions): SelectionMethodOptions | undefined {
  const given = JSON.parse(
    JSON.stringify({
      clusters: options.clusters,
      optidel: options.optidel,
      meddel: options.meddel,
      balanceBy: options.balance?.name,
    }),
  ) as Record<string, unknown>;
  for (const [key, value] of Object.entries(given))
    if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) delete given[key];
  return Object.keys(given).length ? (given as SelectionMethodOptions) : undefined;
}
