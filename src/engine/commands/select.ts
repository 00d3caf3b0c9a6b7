/** `optidel select --run RUN_DIR --method NAME [--budget B]`: one selection method on the run's scores, with its V-information. */
import type { VInformationEstimate } from '../../shared/artifacts';
import { SELECTION_METHOD_NAMES } from '../../shared/commands';
import { describeRelaxed } from '../../shared/relaxedPicks';
import { selectionLabel } from '../../shared/selectionLabel';
import type { EngineCommand } from '../command';
import { runSelectStage } from '../pipeline/selectStage';

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
        'kcenter, prototypes, meddel, optidel: hierarchical k-means with balanced sampling (Vo et al. 2024), the method choosing inside each cluster (optidel: hardest key patches first within the acquisition quotas, the clusters standing in for the near-duplicate distance), for pools of millions (docs/scale-out.md)',
    },
    {
      name: 'sourceCapFactor',
      type: 'number',
      description:
        'optidel: an acquisition gives at most this multiple of its share of key patches in proportion to its size (default 1)',
    },
    {
      name: 'minCosineDistance',
      type: 'number',
      description:
        'optidel: samples closer than this cosine distance to a selected one are near-duplicates (default 0.05; not with --hierarchical)',
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
  run: runSelectStage,
  describe(r) {
    const relaxed = r.relaxed ? `\n${describeRelaxed(r.relaxed)}` : '';
    const balance = r.balance
      ? `\nbalanced by ${r.balance.column}: ${r.balance.parts.map((p) => `${p.value} ${p.selected} of ${p.pool}`).join(', ')}`
      : '';
    return `${selectionLabel(r.method, r.hierarchy)} at budget ${r.budget}: ${r.selected} samples${r.patches !== undefined ? `, ${r.patches} key patches` : ''}${balance}${relaxed}${r.vInformation ? `\n${describeVInformation(r.vInformation)}` : ''}\nwrote ${r.file}`;
  },
};

function describeVInformation(v: VInformationEstimate): string {
  const range = (key: keyof NonNullable<VInformationEstimate['interval']>) =>
    v.interval ? ` [${v.interval[key].map((x) => x.toFixed(4)).join(', ')}]` : '';
  const over = v.images ? ` over ${v.images} ${v.measuredOn ?? 'images'}, 95% bootstrap intervals` : '';
  return `V-information ${v.value.toFixed(4)}${range('value')} nats = H(Y|∅) ${v.hYEmpty.toFixed(4)}${range('hYEmpty')} - H(Y|X) ${v.hYGivenX.toFixed(4)}${range('hYGivenX')}${over}`;
}
