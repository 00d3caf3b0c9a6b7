/**
 * Which acquisition a pool sample belongs to: the unit of redundancy that selection spreads its
 * budget over (docs/data.md, "Acquisitions"). A volume or DICOM series is one acquisition (all its
 * slices, axes and frames); 2D files in one folder whose names differ only in their last number are
 * one sequence of frames; a regular expression the user gives (`ingest.group`) overrides both.
 */
import * as path from 'node:path';
import type { Provenance } from '../../shared/artifacts';

/** The last run of digits in a file name (before the extension): the frame number of a sequence. */
const LAST_NUMBER = /\d+(?=\D*$)/;

/**
 * The sequence a 2D file belongs to: its folder and its name with the last run of digits (outside
 * the extension) replaced by `#`, so `seq-03/frame-0012.png` and `seq-03/frame-0013.png` are both
 * `seq-03/frame-#.png`. A name without digits is a sequence of its own.
 */
export function frameSequence(file: string): string {
  const ext = path.extname(file);
  const stem = path.basename(file, ext);
  if (!LAST_NUMBER.test(stem)) return file;
  return path.join(path.dirname(file), stem.replace(LAST_NUMBER, '#') + ext);
}

/** A sample's acquisition as the cache records it; caches written before acquisitions existed fall back to the source. */
export function acquisitionOf(sample: Pick<Provenance, 'source' | 'acquisition'>): string {
  return sample.acquisition ?? sample.source;
}

/**
 * The user's grouping (`ingest.group` in optidel.json): a regular expression searched in each
 * source path (with "/" separators); a sample whose path matches belongs to the acquisition named
 * by the first capture group that matched. Paths that do not match keep the default rule.
 */
export function userGrouping(
  pattern: string | undefined,
  configFile: string,
): ((source: string) => string | undefined) | undefined {
  if (pattern === undefined) return undefined;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (err) {
    throw new Error(
      `${configFile}: ingest.group: not a regular expression (${(err as Error).message}); write one with a capture group, e.g. "patients/([^/]+)/"`,
    );
  }
  if (new RegExp(`${pattern}|`).exec('')!.length < 2) {
    throw new Error(
      `${configFile}: ingest.group: "${pattern}" has no capture group; put the part of the path that names the acquisition in parentheses, e.g. "patients/([^/]+)/"`,
    );
  }
  return (source) => {
    const match = regex.exec(source.split(path.sep).join('/'));
    const named = match?.slice(1).find((g) => g !== undefined);
    return named === undefined ? undefined : `group:${named}`;
  };
}
