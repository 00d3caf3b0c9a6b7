/**
 * The paths an export writes. A run keeps absolute paths (the pool's files, the run folder), and
 * in clinical data those often hold patient names, so a notebook to be shared can carry them
 * relative to the config's folder and to the notebook (`--relative-paths`), or not at all
 * (`--strip-paths`: every source becomes an opaque id, and the run folder is left out).
 */
import * as path from 'node:path';

export type ExportPathMode = 'absolute' | 'relative' | 'strip';

export interface ExportPathContext {
  runDir: string;
  /** The config the run was made from (run.json's `configPath`); sources are relative to its folder. */
  configPath?: string;
  /** The file being written; the run folder is relative to its folder. */
  outFile?: string;
}

export interface ExportPaths {
  /** A sample's source file as the payload names it. */
  source(file: string): string;
  /** The run folder as the payload names it; undefined: not named. */
  runDir: string | undefined;
}

/** Forward slashes on every system: a shared notebook is read elsewhere. */
function relativeFrom(base: string, file: string): string {
  return path.relative(base, file).split(path.sep).join('/') || '.';
}

export function exportPaths(mode: ExportPathMode, context: ExportPathContext): ExportPaths {
  const runDir = path.resolve(context.runDir);
  if (mode === 'absolute') return { source: (file) => file, runDir };
  if (mode === 'relative') {
    // A run made without a config (or by hand) has its sources named from the run folder instead.
    const sourceBase = context.configPath ? path.dirname(path.resolve(runDir, context.configPath)) : runDir;
    const runBase = context.outFile ? path.dirname(path.resolve(context.outFile)) : runDir;
    return {
      source: (file) => (path.isAbsolute(file) ? relativeFrom(sourceBase, file) : file),
      runDir: relativeFrom(runBase, runDir),
    };
  }
  // Ids in order of first appearance, so the slices of one volume still share one.
  const ids = new Map<string, string>();
  return {
    source: (file) => {
      let id = ids.get(file);
      if (id === undefined) ids.set(file, (id = `source-${String(ids.size + 1).padStart(4, '0')}`));
      return id;
    },
    runDir: undefined,
  };
}
