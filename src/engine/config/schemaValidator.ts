/**
 * A validator for the subset of JSON Schema (draft 7) that optidel.schema.json uses, so the engine
 * checks configs against the very schema VS Code shows the user, without a network or a library.
 * Each problem names its key path ("ingest.intensity.window.width") and what would fix it.
 */

export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  /** A regular expression the whole string must match; `patternErrorMessage` (VS Code's keyword) says how. */
  pattern?: string;
  patternErrorMessage?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  enum?: unknown[];
}

/** Keywords this validator understands; a test fails if the schema starts using any other. */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'type',
  'properties',
  'additionalProperties',
  'required',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'pattern',
  'patternErrorMessage',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'enum',
]);

/** Every problem found in `value`, each as `key: problem`; empty when it conforms. */
export function validateAgainstSchema(value: unknown, schema: JsonSchema, path = ''): string[] {
  const problems: string[] = [];
  const at = path || '(top level)';
  const fail = (why: string) => problems.push(`${at}: ${why}`);

  if (schema.enum && !schema.enum.some((allowed) => allowed === value)) {
    fail(`must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`);
    return problems;
  }
  if (schema.type && !hasType(value, schema.type)) {
    fail(`must be ${article(schema.type)}, got ${describe(value)}`);
    return problems;
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`must be >= ${schema.minimum}, got ${value}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`must be <= ${schema.maximum}, got ${value}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
      fail(`must be > ${schema.exclusiveMinimum}, got ${value}`);
  }
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < schema.minLength) {
    fail(value.length === 0 ? 'must not be empty' : `must have at least ${schema.minLength} characters`);
  } else if (typeof value === 'string' && schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
    fail(`${JSON.stringify(value)} is not allowed; ${schema.patternErrorMessage ?? `it must match ${schema.pattern}`}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      fail(`must have at least ${schema.minItems} item(s), got ${value.length}`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      fail(`must have at most ${schema.maxItems} item(s), got ${value.length}`);
    if (schema.items)
      value.forEach((item, i) => problems.push(...validateAgainstSchema(item, schema.items!, `${path}[${i}]`)));
  }
  if (isObject(value)) {
    const properties = schema.properties ?? {};
    for (const key of schema.required ?? []) {
      if (!Object.hasOwn(value, key))
        problems.push(
          `${join(path, key)}: is required${properties[key]?.description ? ` (${properties[key].description})` : ''}`,
        );
    }
    for (const [key, item] of Object.entries(value)) {
      // Own keys only: properties["__proto__"] or ["constructor"] would find Object.prototype's.
      const sub = Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (sub) problems.push(...validateAgainstSchema(item, sub, join(path, key)));
      else if (schema.additionalProperties === false) {
        const suggestion = closest(key, Object.keys(properties));
        problems.push(
          `${join(path, key)}: unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; known keys: ${Object.keys(
            properties,
          )
            .filter((k) => !k.startsWith('$'))
            .join(', ')}`,
        );
      }
    }
  }
  return problems;
}

function hasType(value: unknown, type: NonNullable<JsonSchema['type']>): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function article(type: string): string {
  return type === 'object' || type === 'array' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The known key a typo most likely meant (edit distance at most 2), if any. */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
