/**
 * The select stage: runs a selection method on the run's scores, logs the picks that relaxed a
 * diversity rule, estimates the V-information of what the method trains on with the foundation
 * model (both terms and their intervals), and writes selection/<method>.json. Hand curation
 * saved earlier in that file (`manual`) is kept: re-selecting must not throw away a person's work.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SelectionFile, SelectionMethodOptions, VInformationEstimate } from '../../shared/artifacts';
import { selectionFile } from '../../shared/artifacts';
import type { CommandArgs, CommandResult, SelectResult } from '../../shared/commands';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import { describeRelaxed, relaxedCount } from '../../shared/relaxedPicks';
import { selectionLabel } from '../../shared/selectionLabel';
import type { RunRecord } from '../../shared/runRecord';
import { selectBackend } from '../backends/select';
import type { CommandContext } from '../command';
import { throwIfCancelled, UsageError } from '../command';
import type { PoolCache } from '../data/cache';
import { openCache } from '../data/cache';
import type { MaeModel } from '../model/mae';
import { permutation, SeededRandom } from '../model/rng';
import { existingRunDir } from '../model/runSettings';
import { runStage } from '../runStage';
import { balancedSelect, type BalanceColumn } from '../selection/balance';
import {
  selectSubset,
  type SelectionInput,
  type SelectionMethod,
  type SelectionOptions,
  type SelectionResult,
} from '../selection/methods';
import { estimateVInformation } from '../selection/vInformation';
import { buildCompactSet, NO_ADVERSARIAL } from './compactSet';
import { readBalanceColumn, readSelectionInput } from './runArtifacts';
import { budgetAndSeed, loadFoundation, runRecordOrUndefined } from './stageSettings';

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
    `select: ${selectionLabel(options.method, result.hierarchy)} kept ${result.selected.length} of ${cache.size} samples${result.patches ? ` and ${result.patches.length} key patches` : ''} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
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
    ...(methodOptions(options, result) ? { options: methodOptions(options, result) } : {}),
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

/**
 * The method options that were given (JSON leaves out the ones that were not), with the hierarchy
 * the picks were made on, or undefined when there is none: what `reselectionOptions` reads back.
 */
function methodOptions(options: SelectStageOptions, result: SelectionResult): SelectionMethodOptions | undefined {
  const given = JSON.parse(
    JSON.stringify({
      clusters: options.clusters,
      hierarchical: result.hierarchy,
      optidel: options.optidel,
      meddel: options.meddel,
      balanceBy: options.balance?.name,
    }),
  ) as Record<string, unknown>;
  for (const [key, value] of Object.entries(given))
    if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) delete given[key];
  return Object.keys(given).length ? (given as SelectionMethodOptions) : undefined;
}

/**
 * The options to make `previous` again the same way (the collaborative rounds): its method
 * options, the hierarchical path with the branching it recorded, its budget and seed. The
 * balance column is the caller's to read (it is data, not a setting).
 */
export function reselectionOptions(
  previous: SelectionFile,
): Omit<SelectStageOptions, 'method' | 'masks' | 'vInformationSamples' | 'balance'> {
  const { hierarchical, balanceBy: _column, ...settings } = previous.options ?? {};
  return {
    ...settings,
    ...(hierarchical ? { hierarchical: true, branching: hierarchical.branching } : {}),
    budget: previous.budget,
    seed: previous.seed,
  };
}

/** `optidel select` in a run folder (its lock, its status in run.json, its artifacts): called by the command, the pipeline and the benchmark alike. */
export async function runSelectStage(
  args: CommandArgs<'select'>,
  ctx: CommandContext,
): Promise<CommandResult<'select'>> {
  const runDir = existingRunDir('select', args.run);
  const { backend } = await selectBackend(ctx.backendPreference);
  const record = await runRecordOrUndefined(runDir);
  const { budget, seed } = budgetAndSeed(record, args);
  const balanceBy = args.balanceBy ?? configuredBalance(record);
  const balance = balanceBy === undefined ? undefined : await readBalanceColumn(runDir, balanceBy);
  const selection = await runStage(runDir, 'select', ctx, backend, async () => {
    const input = await readSelectionInput(runDir, (message) => ctx.log('warn', message));
    const cache = await openCache(runDir);
    const model = await loadFoundation(runDir);
    try {
      const result = await selectStage(
        runDir,
        input,
        cache,
        model,
        {
          method: args.method,
          budget,
          seed,
          masks: args.masks,
          clusters: args.clusters,
          hierarchical: args.hierarchical,
          optidel: { sourceCapFactor: args.sourceCapFactor, minCosineDistance: args.minCosineDistance },
          meddel: { outlierDistance: args.outlierDistance },
          balance,
        },
        ctx,
      );
      // The method stays a method name (train and synthesize take the last one from here); the path is beside it.
      const summary: Record<string, number | string> = { method: args.method, selected: result.selected.length };
      if (result.options?.hierarchical) summary.hierarchical = result.options.hierarchical.levels;
      if (result.vInformation) summary.vInformation = Number(result.vInformation.value.toFixed(4));
      if (result.relaxed) summary.relaxed = relaxedCount(result.relaxed);
      return { result, summary };
    } finally {
      model?.dispose();
      await cache.close();
    }
  });
  return {
    method: selection.method,
    budget: selection.budget,
    selected: selection.selected.length,
    ...(selection.patches ? { patches: selection.patches.length } : {}),
    ...(selection.relaxed ? { relaxed: selection.relaxed } : {}),
    ...(selection.vInformation ? { vInformation: selection.vInformation } : {}),
    ...(balance ? { balance: balanceParts(balance, selection.selected) } : {}),
    ...(selection.options?.hierarchical ? { hierarchy: selection.options.hierarchical } : {}),
    file: path.join(runDir, selectionFile(args.method)),
  };
}

/** The config's `selection.balanceBy`, when it names a column. */
function configuredBalance(record: RunRecord | undefined): string | undefined {
  const value = (record?.config.selection as Record<string, unknown> | undefined)?.balanceBy;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !value)
    throw new UsageError(
      `${record?.configPath ?? 'optidel.json'}: selection.balanceBy must be the name of a metadata column, got ${JSON.stringify(value)}`,
    );
  return value;
}

function balanceParts(column: BalanceColumn, selected: readonly number[]): NonNullable<SelectResult['balance']> {
  const pool = column.values.map(() => 0);
  const chosen = column.values.map(() => 0);
  for (let i = 0; i < column.of.length; i++) pool[column.of[i]]++;
  for (const id of selected) chosen[column.of[id]]++;
  return {
    column: column.name,
    parts: column.values.map((value, k) => ({ value, pool: pool[k], selected: chosen[k] })),
  };
}
