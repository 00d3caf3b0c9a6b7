/**
 * `--out` is not trusted to be ours: a command that creates a run folder writes only into a folder
 * that is new, empty, or already an OptiDEL run (a valid run.json), so `--out .` inside a project
 * can never overwrite the user's `cache/`, `thumbs/` or `config.json`. Node only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRunRecord } from '../../runRecord';
import { ARTIFACTS } from '../layout';
import { checkRunLayout, RunPathError } from './contain';

const PICK = 'pick a new or empty folder for --out, or an existing OptiDEL run folder';
const BEING_CREATED = new Set<string>([ARTIFACTS.partsDir, ARTIFACTS.runLock]);

/** Returns the absolute folder when it may become (or already is) a run folder; throws otherwise. */
export function checkRunFolderOut(out: string): string {
  const dir = path.resolve(out);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return dir;
    throw new RunPathError(`${dir}: cannot be checked as a run folder (${(err as Error).message}); ${PICK}`, out);
  }
  if (!stat.isDirectory()) throw new RunPathError(`${dir} is a file, not a folder; ${PICK}`, out);
  const record = path.join(dir, ARTIFACTS.run);
  if (fs.lstatSync(record, { throwIfNoEntry: false })) {
    // An existing run may be a shared one: its entries are checked before anything is read or
    // written there (a stage does it too, but a reused ingest runs none before bench writes bench/).
    checkRunLayout(dir);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(record, 'utf8'));
    } catch (err) {
      throw new RunPathError(
        `${record}: not valid JSON (${(err as Error).message}), so ${dir} is not a usable run folder; ${PICK}`,
        out,
      );
    }
    parseRunRecord(raw, record);
    return dir;
  }
  // Only what sibling shards write before run.json exists (ingest --shard): a run being created.
  const entries = fs.readdirSync(dir).filter((e) => !BEING_CREATED.has(e));
  if (entries.length > 0) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
    throw new RunPathError(
      `${dir} is not empty (${shown}) and is not an OptiDEL run folder (it has no ${ARTIFACTS.run}); ${PICK}`,
      out,
    );
  }
  return dir;
}
