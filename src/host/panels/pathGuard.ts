/**
 * Resolves a path that came from a webview inside the run folder, and only there. A webview is
 * untrusted (it renders file contents), so the shared containment rule applies: a path with `..`,
 * an absolute path, or a symbolic link on the way is refused rather than normalised into something else.
 */
import * as fs from 'node:fs';
import { resolveInRun as resolveContained, RunPathError } from '../../shared/run/node/contain';

export { RunPathError as PathGuardError };

/** The real path of an existing file inside the run folder. */
export async function resolveInRun(runDir: string, relative: string): Promise<string> {
  return resolveContained(await fs.promises.realpath(runDir), relative, { mustExist: true });
}
