/**
 * The pool files an export may copy or link: those the run's own ingest read. They are discovered
 * again from the config in run.json and accepted only when their paths, sizes and modification
 * times hash to the cache's content hash. A cache index written elsewhere (a shared or edited run
 * folder) cannot pass: it cannot know this machine's file times, so it cannot make an export copy
 * a file it names (a key, a home folder) into the user's --out.
 */
import * as path from 'node:path';
import { readRun } from '../../shared/node/runStore';
import { UsageError } from '../command';
import { parseConfig } from '../config/loadConfig';
import { readCacheIndex } from '../data/cache';
import { discoverPool } from '../data/ingest';

/** The absolute paths of the files the run's ingest read. */
export async function vouchedPoolFiles(runDir: string): Promise<ReadonlySet<string>> {
  const record = await readRun(runDir);
  const configFile = record.configPath;
  if (!configFile)
    throw new UsageError(`export: ${runDir} was not ingested from a config, so its sources cannot be vouched for`);
  const [index, pool] = await Promise.all([
    readCacheIndex(runDir),
    discoverPool(parseConfig(record.config, configFile)),
  ]);
  if (pool.hash !== index.contentHash)
    throw new UsageError(
      `export: the pool's files are not the ones ${runDir}'s cache was made from (changed since its ingest, ` +
        `or the run folder was made on another machine), so its sources cannot be vouched for; ` +
        `run "optidel ingest --config ${configFile} --out ${runDir}" again, then export`,
    );
  return new Set(pool.discovery.files.map((f) => path.resolve(f.path)));
}

/**
 * The vouched files behind one sample source: the file itself, or for a DICOM series (its folder,
 * with `#series=UID` when the folder holds several) the vouched files directly in that folder.
 */
export function filesOfSource(source: string, vouched: ReadonlySet<string>): string[] {
  const file = path.resolve(source);
  if (vouched.has(file)) return [file];
  const folder = path.resolve(source.replace(/#series=[^/\\]*$/, ''));
  return [...vouched].filter((f) => path.dirname(f) === folder);
}
