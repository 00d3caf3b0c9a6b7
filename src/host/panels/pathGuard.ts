/**
 * Resolves a path that came from a webview inside the run folder, and only there. A webview is
 * untrusted (it renders file contents), so a path with `..`, an absolute path, or a symlink that
 * leads out of the run folder is refused rather than normalised into something else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export class PathGuardError extends Error {
  override name = 'PathGuardError';
}

export async function resolveInRun(runDir: string, relative: string): Promise<string> {
  if (relative.includes('\0')) throw new PathGuardError('path contains a NUL character');
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative) || /^[a-z]+:/i.test(relative)) {
    throw new PathGuardError(`absolute paths are not allowed: ${JSON.stringify(relative)}`);
  }
  const parts = relative.split(/[\\/]+/);
  if (parts.includes('..')) throw new PathGuardError(`".." is not allowed in ${JSON.stringify(relative)}`);
  const root = await fs.promises.realpath(runDir);
  const target = path.resolve(root, ...parts);
  // The real path catches symlinks (a file or any folder on the way) that point outside the run.
  const real = await fs.promises.realpath(target).catch((err: NodeJS.ErrnoException) => {
    throw new PathGuardError(`${relative}: ${err.code === 'ENOENT' ? 'no such file in the run folder' : err.message}`);
  });
  if (real !== root && !real.startsWith(root + path.sep)) throw new PathGuardError(`${relative} leads outside the run folder`);
  return real;
}
