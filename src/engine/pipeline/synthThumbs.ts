/**
 * Thumbnails of generated samples, so the gallery shows them beside the pool: packed by the data
 * layer's atlas writer, then moved into thumbs/ as synth-atlas-*.png and merged into
 * thumbs/index.json (the ids of generated samples continue after the pool's). Earlier generated
 * thumbnails are replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ThumbnailAtlasIndex } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import { ThumbnailWriter } from '../data/thumbs';

const PREFIX = 'synth-';

export async function writeSynthThumbnails(runDir: string, imageSize: number, poolSize: number, ids: number[], pixels: Float32Array): Promise<void> {
  const scratch = path.join(runDir, 'synth', '.thumbs');
  await fs.promises.rm(scratch, { recursive: true, force: true });
  const writer = new ThumbnailWriter(scratch, imageSize);
  const area = imageSize * imageSize;
  for (let k = 0; k < ids.length; k++) await writer.add(ids[k], pixels.subarray(k * area, (k + 1) * area));
  const made = await writer.finish();

  const indexFile = path.join(runDir, ARTIFACTS.thumbsIndex);
  const existing = fs.existsSync(indexFile) ? ((await readJsonFile(indexFile)) as ThumbnailAtlasIndex) : { size: made.size, columns: made.columns, atlases: [], positions: {} };
  for (const old of existing.atlases.filter((a) => a.startsWith(PREFIX))) await fs.promises.rm(path.join(runDir, 'thumbs', old), { force: true });
  // Keep the pool's atlases and positions; drop earlier generated ones (their atlas numbers shift).
  const atlases = existing.atlases.filter((a) => !a.startsWith(PREFIX));
  const renumber = new Map(existing.atlases.map((a, i) => [i, atlases.indexOf(a)]));
  const positions: ThumbnailAtlasIndex['positions'] = {};
  for (const [id, [atlas, column, row]] of Object.entries(existing.positions)) {
    if (Number(id) < poolSize && renumber.get(atlas)! >= 0) positions[id] = [renumber.get(atlas)!, column, row];
  }
  if (existing.size !== made.size || existing.columns !== made.columns) {
    throw new Error(`${indexFile}: thumbnails of ${existing.size} px in ${existing.columns} columns, generated ones are ${made.size} px in ${made.columns}; ingest again to rebuild the thumbnails`);
  }
  await fs.promises.mkdir(path.join(runDir, 'thumbs'), { recursive: true });
  for (const name of made.atlases) {
    await fs.promises.rename(path.join(scratch, 'thumbs', name), path.join(runDir, 'thumbs', PREFIX + name));
  }
  for (const [id, [atlas, column, row]] of Object.entries(made.positions)) positions[id] = [atlases.length + atlas, column, row];
  await writeJsonAtomic(indexFile, { size: existing.size, columns: existing.columns, atlases: [...atlases, ...made.atlases.map((a) => PREFIX + a)], positions });
  await fs.promises.rm(scratch, { recursive: true, force: true });
}
