/**
 * Which paths the host accepts from text others write: a notebook's `run.dir` (a notebook is a
 * file anybody can send) and the `optidel.runsFolder` setting of a workspace (a folder anybody
 * can send). Both are decided on the string alone, before any file-system call: on Windows even
 * checking that `\\server\share\run.json` exists sends the user's NTLM hash to that server.
 * No vscode or fs import; the path flavour is a parameter so Windows rules are tested on Linux.
 */
import * as path from 'node:path';

export type PathApi = Pick<typeof path.posix, 'isAbsolute' | 'resolve' | 'relative' | 'sep'>;

/** `\\server\share`, `//server/share`, `\\?\…`, `\\.\…`, and mixed forms: a network or device path on Windows. */
export function isUncLike(text: string): boolean {
  return /^[\\/]{2}/.test(text);
}

/** Absolute in either flavour: a POSIX path, a drive (`C:\`, `C:`), or a UNC path. */
function absoluteAnywhere(text: string): boolean {
  return path.posix.isAbsolute(text) || path.win32.isAbsolute(text) || /^[A-Za-z]:/.test(text);
}

/** `child` is `root` or below it (by name; symlinks are the file system's business, checked later). */
export function isInside(root: string, child: string, p: PathApi): boolean {
  const relative = p.relative(root, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${p.sep}`) && !p.isAbsolute(relative));
}

export type PathDecision = { ok: true; path: string } | { ok: false; reason: string };

export interface NotebookRunDirContext {
  /** The notebook's folder, against which a relative `run.dir` (from `optidel export --relative-paths`) resolves. */
  notebookDir?: string;
  workspaceFolders: readonly string[];
  runsFolders: readonly string[];
}

/** The run folder a notebook names, accepted only under a workspace folder or a runs folder, never a UNC path. */
export function decideNotebookRunDir(runDir: string, context: NotebookRunDirContext, p: PathApi = path): PathDecision {
  if (runDir === '' || runDir.includes('\0')) return { ok: false, reason: 'the notebook names no usable run folder' };
  if (isUncLike(runDir)) return { ok: false, reason: 'the notebook names a network path as its run folder' };
  const base = context.notebookDir !== undefined && !isUncLike(context.notebookDir) ? context.notebookDir : undefined;
  let resolved: string;
  if (p.isAbsolute(runDir)) resolved = p.resolve(runDir);
  else if (base !== undefined) resolved = p.resolve(base, runDir);
  else return { ok: false, reason: 'the notebook names a relative run folder and is not saved in a folder' };
  if (isUncLike(resolved)) return { ok: false, reason: 'the notebook names a network path as its run folder' };
  const roots = [...context.workspaceFolders, ...context.runsFolders];
  if (!roots.some((root) => isInside(p.resolve(root), resolved, p))) {
    return { ok: false, reason: "the notebook's run folder is outside the workspace folders and the runs folder" };
  }
  return { ok: true, path: resolved };
}

/** `optidel.runsFolder` as `WorkspaceConfiguration.inspect` reports it. */
export interface RunsFolderSetting {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export const DEFAULT_RUNS_FOLDER = '.optidel/runs';

export const RUNS_FOLDER_REFUSED =
  'the workspace setting optidel.runsFolder leads outside the workspace folder, so OptiDEL does not use it. ' +
  `Set it to a relative path inside the folder (the default is ${DEFAULT_RUNS_FOLDER}), or set a folder elsewhere in your user settings.`;

/**
 * The runs folder of one workspace folder. A workspace (or workspace-folder) value is a path
 * inside that folder: an absolute path or a `..` step is refused, because a shared workspace
 * must not aim OptiDEL at the user's other files. A user-settings value may name any folder.
 * In an untrusted workspace the workspace values are ignored (the setting is restricted there).
 */
export function decideRunsFolder(
  setting: RunsFolderSetting,
  workspaceFolder: string,
  trusted: boolean,
  p: PathApi = path,
): PathDecision {
  const fromWorkspace = trusted ? (setting.workspaceFolderValue ?? setting.workspaceValue) : undefined;
  if (fromWorkspace !== undefined) {
    const plainRelative =
      typeof fromWorkspace === 'string' &&
      fromWorkspace.trim() !== '' &&
      !fromWorkspace.includes('\0') &&
      !absoluteAnywhere(fromWorkspace) &&
      !fromWorkspace.split(/[\\/]+/).includes('..');
    const resolved = plainRelative ? p.resolve(workspaceFolder, fromWorkspace) : undefined;
    if (resolved === undefined || !isInside(p.resolve(workspaceFolder), resolved, p)) {
      return { ok: false, reason: RUNS_FOLDER_REFUSED };
    }
    return { ok: true, path: resolved };
  }
  const usable = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
  const fromUser = usable(setting.globalValue)
    ? setting.globalValue
    : usable(setting.defaultValue)
      ? setting.defaultValue
      : DEFAULT_RUNS_FOLDER;
  return { ok: true, path: p.isAbsolute(fromUser) ? p.resolve(fromUser) : p.resolve(workspaceFolder, fromUser) };
}
