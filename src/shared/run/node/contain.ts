/**
 * The containment rule for every path derived from data (Node only): a path read from a run
 * folder's own files, a config or a webview resolves inside the run folder or is refused. Refused
 * are absolute paths, `..`, NUL, and any symbolic link between the run folder and the target,
 * because a link inside a shared run folder can point at anything on the disk. Deleting goes
 * through the same rule, so nothing outside the run folder is ever removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../layout';
import { splitRunRelative } from '../relativePath';

/** A path that would leave its run folder; the message names the path, the file it came from and the fix. */
export class RunPathError extends Error {
  override name = 'RunPathError';
  constructor(
    message: string,
    readonly relative: string,
    readonly source?: string,
  ) {
    super(message);
  }
}

export interface ContainOptions {
  /** The file (or key) the path was read from, named in the error (default: the run folder). */
  source?: string;
  /** Refuse a path that does not exist (for reads); by default a missing tail is fine (for writes). */
  mustExist?: boolean;
  /** What the user should do, appended to the error. */
  fix?: string;
}

/**
 * The absolute path of `relative` inside `runDir`, checked segment by segment with lstat: every
 * existing segment must be a real folder (the last may be a file), never a symbolic link.
 */
export function resolveInRun(runDir: string, relative: string, options: ContainOptions = {}): string {
  const fail = (why: string): never => {
    const from = `${options.source ?? runDir}: `;
    const fix = options.fix ? `; ${options.fix}` : '';
    throw new RunPathError(`${from}${JSON.stringify(relative)} ${why}${fix}`, relative, options.source);
  };
  const split = splitRunRelative(relative);
  if ('problem' in split) return fail(split.problem);
  const root = path.resolve(runDir);
  let current = root;
  for (const [i, part] of split.parts.entries()) {
    current = path.join(current, part);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        return fail(`cannot be checked (${(err as Error).message})`);
      if (options.mustExist) return fail('is no such file in the run folder');
      return path.join(root, ...split.parts);
    }
    const shown = split.parts.slice(0, i + 1).join('/');
    if (stat.isSymbolicLink())
      return fail(
        `goes through the symbolic link ${shown}, which could lead outside the run folder (links are not followed)`,
      );
    if (i < split.parts.length - 1 && !stat.isDirectory()) return fail(`goes through ${shown}, which is not a folder`);
    // A FIFO blocks its reader forever, a device (a tar can carry one) never ends.
    if (!stat.isFile() && !stat.isDirectory()) return fail('is not a regular file or folder');
  }
  return current;
}

/** The entries of a run folder that are OptiDEL's: the first segment of every layout path. */
const LAYOUT_ENTRIES = [...new Set(Object.values(ARTIFACTS).map((relative) => relative.split('/')[0]!))];

/**
 * Refuses a run folder whose own entries (run.json, cache/, scores/, ... and everything below them)
 * hold a symbolic link or a special file. Stages and readers name their files by the fixed layout
 * (`scores/embeddings.f32`), and a shared run folder with `selection -> ~/` or
 * `metrics/pretrain.jsonl -> ~/.bashrc` would turn every such write or read into one outside the
 * folder; checked once when a command takes the folder, before it reads or writes anything.
 * Entries that are not OptiDEL's (a user's export folder with --link) are left alone.
 */
export function checkRunLayout(runDir: string): void {
  const root = path.resolve(runDir);
  const pending = [...LAYOUT_ENTRIES];
  while (pending.length > 0) {
    const relative = pending.pop()!;
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(path.join(root, relative));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new RunPathError(`${root}: ${relative} cannot be checked (${(err as Error).message})`, relative);
    }
    const refuse = (what: string): never => {
      throw new RunPathError(
        `${root}: ${relative} is ${what}, so this run folder is not used; replace it with a file or folder of its own ` +
          '(or take the run folder from a source you trust)',
        relative,
      );
    };
    if (stat.isSymbolicLink()) refuse('a symbolic link, which could lead outside the run folder');
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(path.join(root, relative))) pending.push(`${relative}/${name}`);
    } else if (!stat.isFile()) refuse('not a regular file or folder (a FIFO or device would hang or flood a reader)');
  }
}

/**
 * Removes `relative` inside `runDir` (a folder with `recursive`), after the containment check.
 * Recursive removal itself never follows links (fs.rm unlinks a link, not its target).
 */
export async function removeInRun(
  runDir: string,
  relative: string,
  options: ContainOptions & { recursive?: boolean } = {},
): Promise<void> {
  const target = resolveInRun(runDir, relative, { ...options, mustExist: false });
  if (target === path.resolve(runDir))
    throw new RunPathError(
      `${options.source ?? runDir}: refusing to remove the run folder itself`,
      relative,
      options.source,
    );
  await fs.promises.rm(target, { recursive: options.recursive ?? false, force: true });
}
