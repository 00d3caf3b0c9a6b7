/**
 * What the three message channels share (host <-> engine in protocol.ts, host <-> run views in
 * viewMessages.ts, host <-> notebook renderer in rendererMessages.ts): every message is an
 * envelope `{ type, ... }`; what arrives is checked field by field with one set of readers that
 * throw the channel's own error naming the field; a request is paired with its answer by a
 * number, through one tracker that can time out.
 */

export type Fields = Record<string, unknown>;

/** The field readers of one channel; each throws that channel's error, naming the field. */
export interface FieldReaders {
  /** A plain object (not null, not an array). */
  object(value: unknown, what: string): Fields;
  string(o: Fields, key: string, limits?: { maxLength?: number; pattern?: RegExp; what?: string }): string;
  optionalString(o: Fields, key: string): string | undefined;
  number(o: Fields, key: string): number;
  /** A non-negative safe integer: request ids, sample ids, counts. */
  id(o: Fields, key: string): number;
  optionalId(o: Fields, key: string): number | undefined;
  boolean(o: Fields, key: string): boolean;
  oneOf<T extends string>(o: Fields, key: string, allowed: readonly T[]): T;
  /** A list of ids, at most `max` long, sorted and without repeats. */
  idList(o: Fields, key: string, max: number): number[];
  /** The error for a message whose `type` is none of the channel's. */
  unknownType(o: Fields): Error;
}

/** `messageName` names the channel's messages in the unknown-type error ("view message"). */
export function fieldReaders(fail: (message: string) => Error, messageName = 'message'): FieldReaders {
  const readers: FieldReaders = {
    object(value, what) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`${what} must be an object`);
      return value as Fields;
    },
    string(o, key, limits = {}) {
      const v = o[key];
      const { maxLength = Infinity, pattern, what = 'a string' } = limits;
      if (typeof v !== 'string' || v.length > maxLength || (pattern && !pattern.test(v)))
        throw fail(`"${key}" must be ${what}`);
      return v;
    },
    optionalString: (o, key) => (o[key] === undefined ? undefined : readers.string(o, key)),
    number(o, key) {
      const v = o[key];
      if (typeof v !== 'number' || Number.isNaN(v)) throw fail(`"${key}" must be a number`);
      return v;
    },
    id(o, key) {
      const v = o[key];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
        throw fail(`"${key}" must be a non-negative integer`);
      return v;
    },
    optionalId: (o, key) => (o[key] === undefined ? undefined : readers.id(o, key)),
    boolean(o, key) {
      if (typeof o[key] !== 'boolean') throw fail(`"${key}" must be a boolean`);
      return o[key] as boolean;
    },
    oneOf(o, key, allowed) {
      const v = o[key];
      if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
        throw fail(`"${key}" must be one of ${allowed.join(', ')}`);
      return v as (typeof allowed)[number];
    },
    idList(o, key, max) {
      const v = o[key];
      if (!Array.isArray(v) || v.length > max) throw fail(`"${key}" must be an array of at most ${max} ids`);
      for (const item of v)
        if (typeof item !== 'number' || !Number.isSafeInteger(item) || item < 0)
          throw fail(`"${key}" must hold non-negative integer ids, got ${JSON.stringify(item)}`);
      return [...new Set(v as number[])].sort((a, b) => a - b);
    },
    unknownType: (o) => fail(`unknown ${messageName} type ${JSON.stringify(o.type)}`),
  };
  return readers;
}

/**
 * Requests waiting for their answers, numbered from 1. Each may carry data of its own (`M`) and a
 * timeout after which it fails with the reason given; an answer to an unknown or settled request
 * is ignored, so a late answer after a timeout does no harm.
 */
export class PendingRequests<T, M = undefined> {
  private readonly waiting = new Map<
    number,
    { meta: M; resolve(value: T): void; reject(error: Error): void; timer?: ReturnType<typeof setTimeout> }
  >();

  /** `newId` numbers the requests (from 1 by default; the engine client shares one count among its instances). */
  constructor(private readonly newId: () => number = counterFrom(1)) {}

  /** A new request's id and the promise of its answer; `timeout` fails it after `ms` with `reason`. */
  create(meta: M, timeout?: { ms: number; reason: string }): { id: number; reply: Promise<T> } {
    const id = this.newId();
    const reply = new Promise<T>((resolve, reject) => {
      const timer = timeout && setTimeout(() => this.fail(id, new Error(timeout.reason)), timeout.ms);
      this.waiting.set(id, { meta, resolve, reject, timer });
    });
    return { id, reply };
  }

  /** The data of a waiting request (undefined once settled). */
  get(id: number): M | undefined {
    return this.waiting.get(id)?.meta;
  }

  ids(): number[] {
    return [...this.waiting.keys()];
  }

  get size(): number {
    return this.waiting.size;
  }

  answer(id: number, value: T): void {
    this.take(id)?.resolve(value);
  }

  fail(id: number, error: Error): void {
    this.take(id)?.reject(error);
  }

  failAll(error: (meta: M) => Error): void {
    for (const id of this.ids()) {
      const entry = this.take(id);
      entry?.reject(error(entry.meta));
    }
  }

  private take(id: number) {
    const entry = this.waiting.get(id);
    if (entry) {
      clearTimeout(entry.timer);
      this.waiting.delete(id);
    }
    return entry;
  }
}

function counterFrom(first: number): () => number {
  let next = first;
  return () => next++;
}
