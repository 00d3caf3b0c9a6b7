/**
 * Text-header volume formats (MetaImage, NRRD): the header read up to where it ends and no
 * further (and never more than a header could need), and the data file a header names, which
 * must lie in the header's own folder or below it, whatever the header says: a shared data set
 * cannot make OptiDEL read `/etc/passwd` or `../../x`.
 */
import * as path from 'node:path';
import { openBytes, readUntil } from './byteSource';
import { UnusableFileError } from './errors';

/** No genuine header is longer; a file without an end of header in this many bytes is refused. */
const MAX_HEADER_BYTES = 1 << 20;

export interface TextHeader {
  /** The header's text (latin1: header bytes are ASCII, a stray byte must not break the offsets). */
  text: string;
  /** Where the bytes after the header start in the file (its length when the header is all of it). */
  dataStart: number;
}

/**
 * Reads `file` until `end(text)` finds where its header stops (the offset just past it), or the
 * file ends (the header is then the whole file, as in a header whose data lie in another file).
 */
export function readTextHeader(
  file: string,
  format: string,
  end: (text: string) => number | undefined,
): Promise<TextHeader> {
  return readUntil(
    openBytes(file, 0, 'plain', { chunk: 4096 }),
    4096,
    MAX_HEADER_BYTES,
    (bytes, ended) => {
      const text = bytes.toString('latin1');
      const stop = end(text);
      if (stop !== undefined) return { text: text.slice(0, stop), dataStart: stop };
      return ended ? { text, dataStart: bytes.length } : undefined;
    },
    () =>
      new UnusableFileError(
        `${file}: no end of the ${format} header within its first ${MAX_HEADER_BYTES.toLocaleString('en')} bytes (not a ${format} file?)`,
      ),
  );
}

/**
 * The file `named` by `header`'s field `field` (a header's data file, a data set's image),
 * resolved against the header's folder; refused unless it lies in that folder or below it.
 */
export function dataFileBeside(header: string, named: string, field: string): string {
  const dir = path.dirname(header);
  const resolved = path.resolve(dir, named);
  const relative = path.relative(dir, resolved);
  const outside =
    named.includes('\0') ||
    path.isAbsolute(named) ||
    /^[\\/]|^[A-Za-z]:/.test(named) ||
    relative === '' ||
    relative.split(/[\\/]/)[0] === '..' ||
    path.isAbsolute(relative);
  if (outside)
    throw new UnusableFileError(
      `${header}: ${field} names "${named}", which is outside this file's folder; what it names must lie in that folder or below it`,
    );
  return resolved;
}
