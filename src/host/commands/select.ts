/** "OptiDEL: Select Subset": pick a method, its path and a budget, then select on a run with progress and cancel. */
import * as vscode from 'vscode';
import { SELECTION_METHOD_NAMES, type SelectionMethodName } from '../../shared/commands';
import { selectionLabel } from '../../shared/selectionLabel';
import type { HostCommand } from '../services';
import { stageCommand } from './pretrain';
import { METHOD_DETAILS, pathChoices, selectArgs, type SelectionPath } from './selectChoices';

/** Quick pick of a selection method; undefined when dismissed. */
export async function pickSelectionMethod(title: string): Promise<SelectionMethodName | undefined> {
  const pick = await vscode.window.showQuickPick(
    SELECTION_METHOD_NAMES.map((method) => ({ label: method, detail: METHOD_DETAILS[method] })),
    { title, placeHolder: 'Selection method' },
  );
  return pick?.label as SelectionMethodName | undefined;
}

/** Exact or hierarchical, for a method that has both; exact without asking for the others; undefined when dismissed. */
async function pickPath(method: SelectionMethodName): Promise<SelectionPath | undefined> {
  const choices = pathChoices(method);
  if (!choices) return 'exact';
  const pick = await vscode.window.showQuickPick(choices, {
    title: `OptiDEL: ${method} path`,
    placeHolder: 'Exact, or hierarchical for very large pools',
  });
  return pick?.path;
}

export const selectSubset: HostCommand = {
  id: 'optidel.select',
  async run(services, arg) {
    const method = await pickSelectionMethod('OptiDEL: Select Subset');
    if (!method) return undefined;
    const path = await pickPath(method);
    if (!path) return undefined;
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
      (run) => selectArgs(run, { method, budget, path }),
      (r) =>
        `${selectionLabel(r.method, r.hierarchy)} kept ${r.selected} samples${r.patches !== undefined ? ` (${r.patches} key patches)` : ''}${r.vInformation ? `, V-information ${r.vInformation.value.toFixed(4)} nats` : ''}`,
    ).run(services, arg);
  },
};
