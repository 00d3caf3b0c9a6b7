/**
 * Thumbnails of generated samples, so the gallery shows them beside the pool: packed by the data
 * layer's atlas writer, then moved into thumbs/ as synth-atlas-*.png and merged into
 * thumbs/index.json (the ids of generated samples continue after the pool's). Earlier generated
 * thumbnails are replaced, whichever method they were of: two methods' samples share ids, so the
 * thumbnails are of the method synthesized last, the one the views show (host/panels/runData.ts).
 * The scratch folder synth/.thumbs can be no method's folder (layout.ts synthFolder). Only atlases named with our prefix in a checked index are ever deleted,
 * and only inside thumbs/ (the containment rule refuses a linked synth/ or thumbs/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ThumbnailAtlasIndex } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import { removeInRun, resolveInRun } from '../../shared/run/node/contain';
import { parseThumbsIndex } from '../../shared/run/thumbsIndex';
import { ThumbnailWriter } from '../data/thumbs';

const PREFIX = 'synth-';
const SCRATCH = `${ARTIFACTS.synthDir}/.thumbs`;

export async function writeSynthThumbnails(
  runDir: string,
  imageSize: number,
  poolSize: number,
  ids: number[],
  pixels: Float32Array,
): Promise<void> {
  const scratch = resolveInRun(runDir, SCRATCH);
  const thumbsDir = resolveInRun(runDir, ARTIFACTS.thumbsDir);
  await removeInRun(runDir, SCRATCH, { recursive: true });
  const writer = new ThumbnailWriter(scratch, imageSize);
  const area = imageSize * imageSize;
  for (let k = 0; k < ids.length; k++) await writer.add(ids[k], pixels.subarray(k * area, (k + 1) * area));
  const made = await writer.finish();

  const indexFile = resolveInRun(runDir, ARTIFACTS.thumbsIndex);
  const existing = fs.existsSync(indexFile)
    ? parseThumbsIndex(await readJsonFile(indexFile), indexFile)
    : { size: made.size, columns: made.columns, atlases: [], positions: {} };
  for (const old of existing.atlases.filter((a) => a.startsWith(PREFIX))) {
    await removeInRun(runDir, `${ARTIFACTS.thumbsDir}/${old}`, { source: indexFile });
  }
  // Keep the pool's atlases and positions; drop earlier generated ones (their atlas numbers shift).
  const atlases = existing.atlases.filter((a) => !a.startsWith(PREFIX));
  const renumber = new Map(existing.atlases.map((a, i) => [i, atlases.indexOf(a)]));
  const positions: ThumbnailAtlasIndex['positions'] = {};
  for (const [id, [atlas, column, row]] of Object.entries(existing.positions)) {
    if (Number(id) < poolSize && renumber.get(atlas)! >= 0) positions[id] = [renumber.get(atlas)!, column, row];
  }
  if (existing.size !== made.size || existing.columns !== made.columns) {
    throw new Error(
      `${indexFile}: thumbnails of ${existing.size} px in ${existing.columns} columns, generated ones are ${made.size} px in ${made.columns}; ingest again to rebuild the thumbnails`,
    );
  }
  await fs.promises.mkdir(thumbsDir, { recursive: true });
  for (const name of made.atlases) {
    await fs.promises.rename(path.join(scratch, ARTIFACTS.thumbsDir, name), path.join(thumbsDir, PREFIX + name));
  }
  for (const [id, [atlas, column, row]] of Object.entries(made.positions))
    positions[id] = [atlases.length + atlas, column, row];
  await writeJsonAtomic(indexFile, {
    size: existing.size,
    columns: existing.columns,
    atlases: [...atlases, ...made.atlases.map((a) => PREFIX + a)],
    positions,
  });
  await removeInRun(runDir, SCRATCH, { recursive: true });
}
