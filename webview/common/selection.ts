/** Selections as the next stage will use them: the method's picks with the manual curation applied. Pure. */
import type { SelectionFile } from '../../src/shared/artifacts';
import { selectionLabel } from '../../src/shared/selectionLabel';

export function effectiveSelection(selection: SelectionFile | undefined): Set<number> {
  const ids = new Set(selection?.selected ?? []);
  for (const id of selection?.manual?.exclude ?? []) ids.delete(id);
  for (const id of selection?.manual?.include ?? []) ids.add(id);
  return ids;
}

/** 1 per pool sample in the set (ids >= count, the generated samples, are left out). */
export function membership(ids: Iterable<number>, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (const id of ids) if (id >= 0 && id < count) out[id] = 1;
  return out;
}

export function basename(file: string): string {
  return file.split(/[\\/]/).filter(Boolean).pop() ?? file;
}

/** Method names for pickers: OptiDEL first (the method this tool is about), then the rest by name. */
export function orderedMethods(selections: ReadonlyArray<{ method: string }>): string[] {
  return selections
    .map((s) => s.method)
    .sort((a, b) => (a === 'optidel' ? -1 : b === 'optidel' ? 1 : a.localeCompare(b)));
}

/** The pickers' options, in `orderedMethods`' order: each method by name, labelled with the path it was selected on. */
export function methodOptions(
  selections: ReadonlyArray<Pick<SelectionFile, 'method' | 'options'>>,
): Array<{ value: string; label: string }> {
  return orderedMethods(selections).map((method) => ({
    value: method,
    label: selectionLabel(method, selections.find((s) => s.method === method)?.options?.hierarchical),
  }));
}
