/**
 * How large a JSON file may be and how deep its value may nest. Larger than V8's longest string
 * (about 512 MiB) a file cannot be parsed at all, and a sparse file that large costs a shared run
 * folder a few bytes: it is refused by its size before it is read.
 *
 * How deep: JSON.parse copes with any depth, but what walks the value afterwards (JSON.stringify
 * of run.json on every update, a webview's postMessage, the config validator) recurses, and
 * 100,000 nested arrays (200 kB) overflow its stack. Every JSON a config or a run folder holds is
 * checked here first, so the error names the file and the key. Browser-safe.
 */

/** Larger than this, a JSON file is refused unread (V8 cannot hold its text as one string). */
export const MAX_JSON_BYTES = 512 * 1024 * 1024;

/** Deeper than this, a value is refused before anything walks it recursively (no OptiDEL file needs 64 levels). */
export const MAX_JSON_DEPTH = 64;

interface Entry {
  value: unknown;
  depth: number;
  parent?: Entry;
  key?: string | number;
}

/**
 * The key path of the first value nested deeper than `maxDepth`, or undefined. Iterative, and the
 * path is spelled only for the value reported, so a cache index of a million samples costs no strings.
 */
export function tooDeep(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: Entry[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const v = entry.value;
    if (typeof v !== 'object' || v === null) continue;
    if (entry.depth >= maxDepth) return keyPath(entry) || '(top level)';
    if (Array.isArray(v))
      v.forEach((item, i) => stack.push({ value: item, depth: entry.depth + 1, parent: entry, key: i }));
    else
      for (const [k, item] of Object.entries(v))
        stack.push({ value: item, depth: entry.depth + 1, parent: entry, key: k });
  }
  return undefined;
}

function keyPath(entry: Entry): string {
  let path = '';
  for (let e: Entry | undefined = entry; e?.key !== undefined; e = e.parent)
    path = typeof e.key === 'number' ? `[${e.key}]${path}` : `${e.parent?.key !== undefined ? '.' : ''}${e.key}${path}`;
  return path;
}

/** Throws naming `file` and the key when `value` nests deeper than MAX_JSON_DEPTH; `fix` says what to do. */
export function checkJsonDepth(value: unknown, file: string, fix: string): void {
  const deep = tooDeep(value);
  if (deep !== undefined) throw new Error(`${file}: ${deep}: nested more than ${MAX_JSON_DEPTH} levels deep; ${fix}`);
}
