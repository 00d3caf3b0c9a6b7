/**
 * Loads `optidel.json`: parses it, validates it against the schema shipped with the extension
 * (errors name the key and the file), fills defaults and resolves relative paths against the
 * config file's folder, so every later stage sees absolute paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DownstreamDataset, OptidelConfig } from '../../shared/config';
import { CONFIG_DEFAULTS } from '../../shared/config';
import schema from '../../shared/schemas/optidel.schema.json';
import type { JsonSchema } from './schemaValidator';
import { MAX_JSON_DEPTH, tooDeep } from '../../shared/jsonLimits';
import { validateAgainstSchema } from './schemaValidator';

export interface LoadedConfig {
  config: OptidelConfig;
  file: string;
  dir: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await fs.promises.readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `${absolute}: no such config file; create one (optidel demo-data --out DIR writes an example)`
        : `${absolute}: cannot read (${(err as Error).message})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${absolute}: not valid JSON (${(err as Error).message})`);
  }
  return parseConfig(raw, absolute);
}

/** Validates an already parsed config as if it had been read from `file`. */
export function parseConfig(raw: unknown, file: string): LoadedConfig {
  // Before anything walks the value recursively (the validator, JSON.stringify into run.json).
  const deep = tooDeep(raw);
  if (deep !== undefined) {
    const why = `nested more than ${MAX_JSON_DEPTH} levels deep; no config needs that, remove the nesting`;
    throw new ConfigError(`${file}: ${deep}: ${why}`);
  }
  const problems = validateAgainstSchema(raw, schema as JsonSchema);
  if (problems.length > 0) {
    throw new ConfigError(`${file}: invalid config:\n  ${problems.join('\n  ')}`);
  }
  const dir = path.dirname(file);
  const resolve = (p: string) => (path.isAbsolute(p) ? p : path.resolve(dir, p));
  const given = raw as Partial<OptidelConfig>;
  const names = new Set<string>();
  for (const [i, d] of (given.downstream ?? []).entries()) {
    if (names.has(d.name))
      throw new ConfigError(
        `${file}: downstream[${i}].name: "${d.name}" is used twice; give each data set its own name`,
      );
    names.add(d.name);
    const paired = d.images !== undefined && d.labels !== undefined;
    if (paired === (d.dataset !== undefined) || (!paired && (d.images ?? d.labels) !== undefined))
      throw new ConfigError(
        `${file}: downstream[${i}] ("${d.name}"): give either "images" and "labels", or "dataset" (a Decathlon or nnU-Net dataset.json, or its folder)`,
      );
  }
  const config: OptidelConfig = {
    ...given,
    pool: (given.pool ?? []).map(resolve),
    downstream: (given.downstream ?? []).map((d): DownstreamDataset => ({
      ...d,
      ...(d.images !== undefined && { images: resolve(d.images) }),
      ...(d.labels !== undefined && { labels: resolve(d.labels) }),
      ...(d.dataset !== undefined && { dataset: resolve(d.dataset) }),
    })),
    imageSize: given.imageSize ?? CONFIG_DEFAULTS.imageSize,
    budget: given.budget ?? CONFIG_DEFAULTS.budget,
    seed: given.seed ?? CONFIG_DEFAULTS.seed,
  };
  return { config, file, dir };
}
