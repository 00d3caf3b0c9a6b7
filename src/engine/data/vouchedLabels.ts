/**
 * The downstream label maps the sample view may show as a pool sample's mask: those the run's own
 * ingest saw. The downstream entries come from the run folder's config.json, which a shared or
 * edited run folder controls, so they alone would let it have any file on the disk read. Ingest
 * records a fingerprint (path, size, modification time) of every label map its config pairs with
 * an image; the view reads a label map only when its fingerprint now is among them. Like the pool's
 * vouching (vouchedSources.ts), a record written on another machine cannot know this machine's
 * file times, so it cannot vouch for a file it names.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../shared/artifacts';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import { resolveInRun } from '../../shared/run/node/contain';
import type { CommandContext } from '../command';
import type { LoadedConfig } from '../config/loadConfig';
import { listPairs } from './segmentation';

export interface VouchedLabelsFile {
  version: 1;
  /** sha256 of `path \t size \t mtimeMs` of each label map, hex. */
  fingerprints: string[];
}

async function fingerprint(file: string): Promise<string | undefined> {
  const resolved = path.resolve(file);
  const stat = await fs.promises.stat(resolved).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  return createHash('sha256').update(`${resolved}\t${stat.size}\t${stat.mtimeMs}`).digest('hex');
}

/** curation/label-maps.json for the config's downstream data sets, written at every ingest; unreadable entries are skipped (ingest does not use them). */
export async function writeVouchedLabels(loaded: LoadedConfig, runDir: string, ctx: CommandContext): Promise<void> {
  const fingerprints = new Set<string>();
  for (const entry of loaded.config.downstream) {
    const listing = await listPairs(entry).catch((err: Error) => {
      ctx.log('debug', `ingest: downstream "${entry.name}" not listed for the sample view's masks: ${err.message}`);
      return undefined;
    });
    for (const pair of listing?.pairs ?? []) {
      const print = await fingerprint(pair.labels);
      if (print) fingerprints.add(print);
    }
  }
  const file: VouchedLabelsFile = { version: 1, fingerprints: [...fingerprints].sort() };
  await writeJsonAtomic(resolveInRun(runDir, ARTIFACTS.vouchedLabels), file);
}

/** Whether the run's ingest saw `labels` as it is now; else why not, for the view's notes. */
export async function labelMapVouched(runDir: string, labels: string): Promise<true | string> {
  let record: Partial<VouchedLabelsFile>;
  try {
    record = (await readJsonFile(resolveInRun(runDir, ARTIFACTS.vouchedLabels, { mustExist: true }))) as never;
  } catch (err) {
    return `the run's ingest recorded no label maps (${(err as Error).message}); ingest the pool again to show masks`;
  }
  const print = await fingerprint(labels);
  if (print && Array.isArray(record?.fingerprints) && record.fingerprints.includes(print)) return true;
  return "it is not a label map the run's ingest saw (a run folder from elsewhere, or the file changed since); ingest the pool again if it is yours";
}
