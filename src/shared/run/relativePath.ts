/**
 * The syntactic half of the containment rule: a path read from data (a run folder's index, a
 * webview message) is accepted only as a relative path without `..`, without a drive, scheme or
 * NUL. Pure and browser-safe; contain.ts adds the file-system half (no symbolic links on the way).
 */

/** The path's segments (empty and "." segments dropped), or why it is refused. */
export function splitRunRelative(relative: string): { parts: string[] } | { problem: string } {
  if (typeof relative !== 'string') return { problem: 'is not a string' };
  if (relative.includes('\0')) return { problem: 'contains a NUL character' };
  // POSIX and Windows absolute paths, drive letters (C:x) and URL schemes (file:, command:).
  if (relative.startsWith('/') || relative.startsWith('\\') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(relative)) {
    return { problem: 'is an absolute path (absolute paths are not allowed)' };
  }
  const parts = relative.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { problem: 'contains ".." (".." is not allowed)' };
  return { parts };
}
