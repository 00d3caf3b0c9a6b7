/**
 * How a selection's method is named for people: "kcenter", or "kcenter (hierarchical, 2 levels)"
 * when it was made on the hierarchical path, so no summary, picker or notebook passes an
 * approximate selection off as the exact one. Pure; used by the CLI, the host and the webviews.
 */
import type { SelectionHierarchy } from './artifacts';

/**
 * `hierarchy` is a selection file's `options.hierarchical` as read (a hand-edited or older file may
 * hold anything there): any truthy value means the hierarchical path; its levels are named when
 * they are a count.
 */
export function selectionLabel(method: string, hierarchy: Pick<SelectionHierarchy, 'levels'> | undefined): string {
  if (!hierarchy) return method;
  const levels = (hierarchy as Partial<SelectionHierarchy>).levels;
  if (!Number.isInteger(levels) || levels! < 0) return `${method} (hierarchical)`;
  return `${method} (hierarchical, ${levels} level${levels === 1 ? '' : 's'})`;
}
