/**
 * Plain names: names from configs and run folders (data set names, method names, checkpoint
 * folders) that become one segment of a path. A plain name can never climb out of its folder or
 * hide as a dot file, so `bench/predictions/<name>` stays where it says. Browser-safe.
 */

/** Letters, digits, `.`, `_`, `-`; starts with a letter or digit (so never `.` or `..`); at most 64 characters. */
export const PLAIN_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

const PLAIN_NAME = new RegExp(PLAIN_NAME_PATTERN);

/** What the user reads when a name is refused: the rule and how to meet it. */
export const PLAIN_NAME_RULE = 'use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit';

export function isPlainName(name: unknown): name is string {
  return typeof name === 'string' && PLAIN_NAME.test(name);
}

/** A sample id: a whole number from 0, which is also how image files are named by it (`<id>.png`, `mosaic-<id>.png`). */
export function isSampleId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
