/** "OptiDEL: Select Subset": pick a method and a budget, then select on a run with progress and cancel. */
import * as vscode from 'vscode';
import { SELECTION_METHOD_NAMES, type SelectionMethodName } from '../../shared/commands';
import type { HostCommand } from '../services';
import { stageCommand } from './pretrain';

const METHOD_DETAILS: Record<SelectionMethodName, string> = {
  optidel: 'hardest key patches under a diversity constraint (OptiDEL)',
  random: 'uniformly at random',
  meddel: 'SemDeDup-style: k-means, outliers and near-duplicates removed (MedDEL)',
  prototypes: 'farthest from the nearest k-means centroid (SSL prototypes)',
  kcenter: 'greedy farthest point: pure coverage',
  easy: 'the easiest samples first: the small-budget arm of Sorscher et al. 2022',
  full: 'the whole pool',
};

/** Quick pick of a selection method; undefined when dismissed. */
export async function pickSelectionMethod(title: string): Promise<SelectionMethodName | undefined> {
  const pick = await vscode.window.showQuickPick(
    SELECTION_METHOD_NAMES.map((method) => ({ label: method, detail: METHOD_DETAILS[method] })),
    { title, placeHolder: 'Selection method' },
  );
  return pick?.label as SelectionMethodName | undefined;
}

export const selectSubset: HostCommand = {
  id: 'optidel.select',
  async run(services, arg) {
    const method = await pickSelectionMethod('OptiDEL: Select Subset');
    if (!method) return undefined;
    const text =
      method === 'full'
        ? '1'
        : await vscode.window.showInputBox({
            title: `OptiDEL: ${method} budget`,
            prompt: 'A fraction of the pool (0 < b ≤ 1) or a count of images (> 1)',
            value: '0.05',
            validateInput: (v) =>
              Number(v) > 0 && (Number(v) <= 1 || Number.isInteger(Number(v)))
                ? undefined
                : 'a fraction in (0, 1] or a whole count above 1',
          });
    if (text === undefined) return undefined;
    const budget = Number(text);
    return stageCommand(
      'optidel.select',
      'select',
      'select',
      (run) => ({ run, method, budget }),
      (r) =>
        `${r.method} kept ${r.selected} samples${r.patches !== undefined ? ` (${r.patches} key patches)` : ''}${r.vInformation ? `, V-information ${r.vInformation.value.toFixed(4)} nats` : ''}`,
    ).run(services, arg);
  },
};
