/**
 * The pool files a command may open on a run's behalf (an export copying or linking sources, the
 * sample view showing one): those the run's own ingest read. They are discovered again from the
 * config in run.json and accepted only when their paths, sizes and modification times hash to the
 * cache's content hash. A cache index or config written elsewhere (a shared or edited run folder)
 * cannot pass: it cannot know this machine's file times, so it cannot make an export copy, or the
 * sample view show, a file it names (a key, a photo, a home folder).
 */
import * as path from 'node:path';
import { readRun } from '../../shared/node/runStore';
import { UsageError } from '../command';
import { parseConfig } from '../config/loadConfig';
import { readCacheHeader } from './cache';
import { discoverPool } from './ingest';

/** The absolute paths of the files the run's ingest read; `command` names the asker in the errors. */
export async function vouchedPoolFiles(runDir: string, command: string): Promise<ReadonlySet<string>> {
  const record = await readRun(runDir);
  const configFile = record.configPath;
  if (!configFile)
    throw new UsageError(`${command}: ${runDir} was not ingested from a config, so its sources cannot be vouched for`);
  const [index, pool] = await Promise.all([
    readCacheHeader(runDir),
    discoverPool(parseConfig(record.config, configFile)),
  ]);
  if (pool.hash !== index.contentHash)
    throw new UsageError(
      `${command}: the pool's files are not the ones ${runDir}'s cache was made from (changed since its ingest, ` +
        `or the run folder was made on another machine), so its sources cannot be vouched for; ` +
        `run "optidel ingest --config ${configFile} --out ${runDir}" again, then ${command}`,
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
