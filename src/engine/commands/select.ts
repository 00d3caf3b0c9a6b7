/** `optidel select --run RUN_DIR --method NAME [--budget B]`: one selection method on the run's scores, with its V-information. */
import * as path from 'node:path';
import type { EngineCommand } from '../command';
import { SELECTION_METHOD_NAMES, type SelectResult } from '../../shared/commands';
import { selectionFile, type VInformationEstimate } from '../../shared/artifacts';
import type { RunRecord } from '../../shared/runRecord';
import { UsageError } from '../command';
import type { BalanceColumn } from '../selection/balance';
import { selectBackend } from '../backends/select';
import { openCache } from '../data/cache';
import { existingRunDir } from '../model/runSettings';
import { runStage } from '../runStage';
import { readBalanceColumn, readSelectionInput } from '../pipeline/runArtifacts';
import { selectStage } from '../pipeline/selectStage';
import { describeRelaxed, relaxedCount } from '../../shared/relaxedPicks';
import { budgetAndSeed, loadFoundation, runRecordOrUndefined } from '../pipeline/stageSettings';

export const selectCommand: EngineCommand<'select'> = {
  name: 'select',
  summary: `Select a subset of the pool with one method (${SELECTION_METHOD_NAMES.join(', ')})`,
  options: [
    {
      name: 'run',
      type: 'string',
      required: true,
      description: 'run folder with score (and, for optidel, propose) done',
    },
    {
      name: 'method',
      type: 'string',
      required: true,
      choices: SELECTION_METHOD_NAMES,
      description: 'selection method',
    },
    {
      name: 'budget',
      type: 'number',
      description: 'fraction of the pool (0 < b <= 1) or a count (> 1); default the config budget',
    },
    { name: 'seed', type: 'integer', description: 'seed (default: the config seed)' },
    {
      name: 'masks',
      type: 'integer',
      description: 'random masks per sample for the V-information estimate (default 4)',
    },
    {
      name: 'clusters',
      type: 'integer',
      description: 'meddel, prototypes: k-means clusters (default about √N, at most 100)',
    },
    {
      name: 'hierarchical',
      type: 'boolean',
      description:
        'kcenter: hierarchical k-means with balanced sampling (Vo et al. 2024) instead of greedy k-center, for pools of millions (docs/scale-out.md)',
    },
    {
      name: 'sourceCapFactor',
      type: 'number',
      description:
        'optidel: an acquisition gives at most this multiple of its share of key patches in proportion to its size (default 2)',
    },
    {
      name: 'minCosineDistance',
      type: 'number',
      description:
        'optidel: samples closer than this cosine distance to a selected one are near-duplicates (default 0.05)',
    },
    {
      name: 'balanceBy',
      type: 'string',
      description:
        "split the budget across this metadata column's values (e.g. Manufacturer, InstitutionName, a CSV column) in proportion to their pool shares; default the config's selection.balanceBy",
    },
    {
      name: 'outlierDistance',
      type: 'number',
      description: 'meddel: cosine distance to the centroid beyond which a sample is an outlier (default 0.9)',
    },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('select', args.run);
    const { backend } = await selectBackend(ctx.backendPreference);
    const record = await runRecordOrUndefined(runDir);
    const { budget, seed } = budgetAndSeed(record, args);
    const balanceBy = args.balanceBy ?? configuredBalance(record);
    const balance = balanceBy === undefined ? undefined : await readBalanceColumn(runDir, balanceBy);
    const selection = await runStage(runDir, 'select', ctx, backend, async () => {
      const input = await readSelectionInput(runDir);
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
        const summary: Record<string, number | string> = { method: args.method, selected: result.selected.length };
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
      file: path.join(runDir, selectionFile(args.method)),
    };
  },
  describe(r) {
    const relaxed = r.relaxed ? `\n${describeRelaxed(r.relaxed)}` : '';
    const balance = r.balance
      ? `\nbalanced by ${r.balance.column}: ${r.balance.parts.map((p) => `${p.value} ${p.selected} of ${p.pool}`).join(', ')}`
      : '';
    return `${r.method} at budget ${r.budget}: ${r.selected} samples${r.patches !== undefined ? `, ${r.patches} key patches` : ''}${balance}${relaxed}${r.vInformation ? `\n${describeVInformation(r.vInformation)}` : ''}\nwrote ${r.file}`;
  },
};

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

function describeVInformation(v: VInformationEstimate): string {
  const range = (key: keyof NonNullable<VInformationEstimate['interval']>) =>
    v.interval ? ` [${v.interval[key].map((x) => x.toFixed(4)).join(', ')}]` : '';
  const over = v.images ? ` over ${v.images} ${v.measuredOn ?? 'images'}, 95% bootstrap intervals` : '';
  return `V-information ${v.value.toFixed(4)}${range('value')} nats = H(Y|∅) ${v.hYEmpty.toFixed(4)}${range('hYEmpty')} - H(Y|X) ${v.hYGivenX.toFixed(4)}${range('hYGivenX')}${over}`;
}
