/**
 * What "OptiDEL: Select Subset" offers and the engine request it makes of the choices: no VS Code
 * API here, so the tests read it as the command uses it.
 */
import { HIERARCHICAL_METHOD_NAMES, type SelectArgs, type SelectionMethodName } from '../../shared/commands';

export const METHOD_DETAILS: Record<SelectionMethodName, string> = {
  optidel: 'hardest key patches under a diversity constraint (OptiDEL)',
  random: 'uniformly at random',
  meddel: 'SemDeDup-style: k-means, outliers and near-duplicates removed (MedDEL)',
  prototypes: 'farthest from the nearest k-means centroid (SSL prototypes)',
  kcenter: 'greedy farthest point: pure coverage',
  easy: 'the easiest samples first: the small-budget arm of Sorscher et al. 2022',
  full: 'the whole pool',
};

export type SelectionPath = 'exact' | 'hierarchical';

export interface SelectChoices {
  method: SelectionMethodName;
  budget: number;
  path: SelectionPath;
}

/** The follow-up pick for a method with a hierarchical path (docs/scale-out.md); undefined where there is none. */
export function pathChoices(
  method: SelectionMethodName,
): Array<{ label: string; detail: string; path: SelectionPath }> | undefined {
  if (!HIERARCHICAL_METHOD_NAMES.includes(method)) return undefined;
  return [
    { label: 'Exact', detail: `${method} itself, as Run Pipeline selects`, path: 'exact' },
    {
      label: 'Hierarchical',
      detail: `hierarchical k-means with balanced sampling, ${method} choosing inside each cluster: for pools of millions`,
      path: 'hierarchical',
    },
  ];
}

/** The engine's `select` arguments for the choices made. */
export function selectArgs(run: string, choices: SelectChoices): SelectArgs {
  return {
    run,
    method: choices.method,
    budget: choices.budget,
    ...(choices.path === 'hierarchical' ? { hierarchical: true } : {}),
  };
}
