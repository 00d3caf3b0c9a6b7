/**
 * A file's stamp (size and modification time), so an artifact derived from another can tell when
 * its input was rewritten since (the sample scores and their embeddings). Node only.
 */
import * as fs from 'node:fs';
import type { FileStamp } from '../../artifacts';

export async function fileStamp(file: string): Promise<FileStamp> {
  const stat = await fs.promises.stat(file);
  return { bytes: stat.size, mtimeMs: stat.mtimeMs };
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp): boolean {
  return a?.bytes === b.bytes && a.mtimeMs === b.mtimeMs;
}
