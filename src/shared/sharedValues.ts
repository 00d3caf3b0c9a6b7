/**
 * One copy of each value that many records of a file repeat. JSON.parse gives every record its own
 * copy of its strings and arrays: the slices of a volume each carry the volume's path, intensity
 * mapping and size, and the key patches of a pool a handful of distinct boxes. Shared, they cost a
 * pointer each (the pool's cache index in memory: 268 B a sample down to 100 at 10M samples,
 * `npm run bench -- cache-index`). Shared tuples are frozen, so that changing one record's value
 * cannot change it for all.
 */
export class SharedValues {
  private readonly strings = new Map<string, string>();
  private readonly tuples = new Map<string, readonly number[]>();

  string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  /** `values` itself the first time (frozen), then that copy for every equal tuple. Numbers only: callers check. */
  numbers<T extends readonly number[]>(values: T): T {
    const key = values.join(',');
    const known = this.tuples.get(key);
    if (known !== undefined) return known as T;
    this.tuples.set(key, Object.freeze(values));
    return values;
  }
}
