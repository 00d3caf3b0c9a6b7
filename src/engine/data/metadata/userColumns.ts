/**
 * The user's own metadata columns (site, scanner, label, split...) from the CSV named by
 * `ingest.metadata` in optidel.json: a header row whose first column holds a path relative to the
 * pool root (a pool entry's folder, tried under each entry; a folder's row applies to every file
 * under it), then one row per file or folder. The config may come from someone else, so the CSV must lie
 * inside the config's folder, and a row's path is refused if it is absolute or climbs out with
 * "..". A bad row is named in `problems` and skipped; the other rows are kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitRunRelative } from '../../../shared/run/relativePath';
import { resolveInRun } from '../../../shared/run/node/contain';
import { parseCsvRecords } from '../csvRecords';
import { poolRoot } from '../discover';

export interface UserColumns {
  columns: string[];
  /** Absolute path (file or folder) -> column -> value. */
  rows: Map<string, Record<string, string>>;
  problems: string[];
}

/** A CSV larger than this is not a table of per-file metadata. */
const MAX_CSV_BYTES = 64 * 1024 * 1024;
const COLUMN_NAME = /^[^\x00-\x1f]{1,64}$/;

export async function readUserColumns(configDir: string, csv: string, pool: readonly string[]): Promise<UserColumns> {
  const where = `ingest.metadata (${csv})`;
  const none = (problem: string): UserColumns => ({ columns: [], rows: new Map(), problems: [problem] });
  const relative = splitRunRelative(csv);
  if ('problem' in relative) return none(`${where} ${relative.problem}: name a CSV inside the config's folder`);
  let file: string;
  try {
    file = resolveInRun(configDir, csv);
  } catch (err) {
    return none(`${where}: ${(err as Error).message}`);
  }
  const stat = await fs.promises.stat(file).catch(() => undefined);
  if (!stat?.isFile()) return none(`${where}: no such file ${file}`);
  if (stat.size > MAX_CSV_BYTES) return none(`${where}: ${stat.size} bytes, above the ${MAX_CSV_BYTES} read`);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    return none(`${where}: cannot read ${file} (${(err as Error).message})`);
  }
  const { records, problem } = parseCsvRecords(text);
  const problems = problem ? [`${file}: ${problem}`] : [];
  const [header, ...body] = records;
  if (!header) return { columns: [], rows: new Map(), problems: [...problems, `${file}: no header row`] };
  const names = header.fields.slice(1).map((n) => n.trim());
  const bad = names.find((n, k) => !COLUMN_NAME.test(n) || names.indexOf(n) !== k);
  if (header.fields.length < 2 || bad !== undefined)
    return {
      columns: [],
      rows: new Map(),
      problems: [
        ...problems,
        `${file}: line ${header.line}: the header must be a path column then named columns (1 to 64 characters, each once)${bad !== undefined ? `; ${JSON.stringify(bad)} is not` : ''}`,
      ],
    };
  // With several pool entries a row's path is tried under each entry's folder.
  const roots = [...new Set(pool.length ? pool.map(poolRoot) : [configDir])];
  const seen = new Set<string>();
  const rows = new Map<string, Record<string, string>>();
  for (const { line, fields } of body) {
    const refuse = (why: string) => problems.push(`${file}: line ${line} skipped: ${why}`);
    if (fields.length !== header.fields.length) {
      refuse(`${fields.length} fields, the header has ${header.fields.length}`);
      continue;
    }
    const key = fields[0]!.trim();
    const parts = splitRunRelative(key);
    if ('problem' in parts || parts.parts.length === 0) {
      refuse(`the path ${JSON.stringify(key)} ${'problem' in parts ? parts.problem : 'is empty'}`);
      continue;
    }
    const normal = parts.parts.join('/');
    if (seen.has(normal)) {
      refuse(`${JSON.stringify(key)} has a row already`);
      continue;
    }
    seen.add(normal);
    const values = Object.fromEntries(names.map((n, k) => [n, fields[k + 1]!.trim()]).filter(([, v]) => v !== ''));
    for (const root of roots) rows.set(path.join(root, ...parts.parts), values);
  }
  return { columns: names, rows, problems };
}
