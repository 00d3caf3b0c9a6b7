/** Distinct strings in first-seen order and per item the index of its value (capped at 65535, the views' category limit). Browser-safe. */
export function interned(values: readonly string[]): { names: string[]; indexOf: Uint16Array } {
  const names: string[] = [];
  const ids = new Map<string, number>();
  const indexOf = new Uint16Array(values.length);
  values.forEach((value, i) => {
    let id = ids.get(value);
    if (id === undefined) {
      id = names.push(value) - 1;
      ids.set(value, id);
    }
    indexOf[i] = Math.min(id, 65535);
  });
  return { names, indexOf };
}
