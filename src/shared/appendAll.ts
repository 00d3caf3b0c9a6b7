/**
 * Appends `items` to `target` one by one. `target.push(...items)` passes every item as an argument
 * and overflows the stack past about 100k of them (2 key patches per image of a 100k-slice pool did).
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
