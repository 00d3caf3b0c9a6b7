/**
 * The subset as a folder of images, `images/` beside subset.csv: each curated sample's slice as the
 * model saw it (the cached image, `<sample_id>.png` 8-bit or `<sample_id>.nii` float32 in [0, 1])
 * and the generated samples the training stage adds (`mosaic-<id>.png`, `adversarial-<id>.png`),
 * or with `source` the distinct source files themselves (copies, or links with `--link`) listed
 * in `images/sources.csv`. Names are built from ids and plain names only: nothing read from the run
 * folder can steer a write outside `images/`, and a link in the way is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SubsetImageFormat } from '../../shared/commands';
import { writeFileAtomic } from '../../shared/node/atomicFile';
import { isSampleId } from '../../shared/run/names';
import { resolveInRun } from '../../shared/run/node/contain';
import { openCache } from '../data/cache';
import { encodeNifti } from '../data/formats/niftiWriter';
import { encodeGrayPng, toBytes } from '../data/formats/png';
import { compactSet } from '../pipeline/trainStage';
import { adversarialFor } from '../pipeline/compactSet';
import type { CommandContext } from '../command';
import { csvText } from './csv';
import type { CuratedSubset } from './subsetFiles';
import { filesOfSource } from '../data/vouchedSources';

export const IMAGES_FOLDER = 'images';
export const SOURCES_LIST = 'sources.csv';

export interface SubsetImages {
  files: string[];
  skipped: Array<{ path: string; reason: string }>;
}

/** Slices as the model saw them, or the source files (vouched for beforehand: vouchedSources.ts). */
export type SubsetImagesRequest =
  { format: Exclude<SubsetImageFormat, 'source'> } | { format: 'source'; link: boolean; vouched: ReadonlySet<string> };

export async function writeSubsetImages(
  runDir: string,
  outDir: string,
  subset: CuratedSubset,
  request: SubsetImagesRequest,
  ctx: CommandContext,
): Promise<SubsetImages> {
  const dir = resolveInRun(outDir, IMAGES_FOLDER, {
    source: '--out',
    fix: 'pick an --out folder without links, or remove the link',
  });
  await fs.promises.mkdir(dir, { recursive: true });
  const images =
    request.format === 'source'
      ? await copySources(dir, subset, request.link, request.vouched)
      : await writeSlices(runDir, dir, subset, request.format, ctx);
  await removeStale(dir, new Set(images.files.map((f) => path.basename(f))));
  return images;
}

/** The names this module writes; only these are ever removed, so a user's own files in images/ stay. */
const OUR_FILE = /^(\d+|mosaic-\d+|adversarial-\d+)\.(png|nii)$|^\d{4}-[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** An earlier export's images that are not in this subset: left there, they would be trained on. */
async function removeStale(dir: string, written: ReadonlySet<string>): Promise<void> {
  for (const name of await fs.promises.readdir(dir)) {
    if (OUR_FILE.test(name) && !written.has(name))
      await fs.promises.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

async function writeSlices(
  runDir: string,
  dir: string,
  subset: CuratedSubset,
  format: 'png' | 'nifti',
  ctx: CommandContext,
): Promise<SubsetImages> {
  const cache = await openCache(runDir);
  const size = cache.imageSize;
  const area = size * size;
  const encode = (pixels: Float32Array): Buffer =>
    format === 'png'
      ? encodeGrayPng(toBytes(pixels), size, size)
      : encodeNifti({ dims: [size, size, 1], spacing: [1, 1, 1], type: 'float32', data: pixels });
  const extension = format === 'png' ? 'png' : 'nii';
  const files: string[] = [];
  try {
    // In batches: a large subset's pixels need not all be in memory at once.
    for await (const batch of cache.batches({ batchSize: 64, ids: subset.rows.map((r) => r.sampleId) })) {
      for (const [k, id] of batch.ids.entries()) {
        const file = imageFile(dir, '', id, extension);
        await writeFileAtomic(file, encode(batch.pixels.subarray(k * area, (k + 1) * area)));
        files.push(file);
      }
    }
    // The generated samples exactly as training reads them: this selection's compact set (synth/
    // when it was made from it, else built the way train builds it).
    const { extra, samples } = await compactSet(runDir, subset.method, cache, adversarialFor(subset.method), ctx);
    if (extra) {
      for (const [k, sample] of samples.entries()) {
        const kind = sample.kind === 'adversarial' ? 'adversarial-' : 'mosaic-';
        const file = imageFile(dir, kind, sample.id, extension);
        await writeFileAtomic(file, encode(extra.subarray(k * area, (k + 1) * area)));
        files.push(file);
      }
    }
  } finally {
    await cache.close();
  }
  return { files, skipped: [] };
}

/**
 * `<prefix><id>.<extension>` in `dir`. The ids come from the run folder (the pool's, a synth
 * index's): whoever checked them before, one that is not a whole number from 0 never becomes a path.
 */
export function imageFile(
  dir: string,
  prefix: '' | 'mosaic-' | 'adversarial-',
  id: unknown,
  extension: string,
): string {
  if (!isSampleId(id))
    throw new Error(
      `sample id ${JSON.stringify(id)} is not a whole number from 0, so no image is named by it; the run folder was edited: run the stage that wrote it again`,
    );
  return path.join(dir, `${prefix}${id}.${extension}`);
}

/** Letters, digits, `.`, `_`, `-` of a source's own name: a file name that cannot climb out or hide. */
function safeBaseName(source: string): string {
  const base = (source.split(/[\\/]/).filter(Boolean).pop() ?? '').replace(/[^A-Za-z0-9._-]/g, '_');
  return base.replace(/^[._-]+/, '').slice(0, 100) || 'source';
}

async function copySources(
  dir: string,
  subset: CuratedSubset,
  link: boolean,
  vouched: ReadonlySet<string>,
): Promise<SubsetImages> {
  const sources = [...new Set(subset.rows.map((r) => r.source))];
  const files: string[] = [];
  const rows: string[][] = [];
  const skipped: SubsetImages['skipped'] = [];
  for (const [k, source] of sources.entries()) {
    // Numbered so that two sources with one name (case_1/image.nii, case_2/image.nii) stay apart.
    const name = `${String(k + 1).padStart(4, '0')}-${safeBaseName(source)}`;
    const target = path.join(dir, name);
    const members = filesOfSource(source, vouched);
    if (members.length === 0) {
      skipped.push({ path: source, reason: "not a file this run's ingest read, so it is not exported" });
      continue;
    }
    try {
      await fs.promises.rm(target, { recursive: true, force: true });
      const single = members.length === 1 && members[0] === path.resolve(source);
      if (!single) await fs.promises.mkdir(target);
      for (const member of members) {
        const to = single ? target : path.join(target, safeBaseName(member));
        if (link) await fs.promises.symlink(member, to);
        else await fs.promises.copyFile(member, to, fs.constants.COPYFILE_EXCL);
      }
      files.push(target);
      rows.push([source, `${IMAGES_FOLDER}/${name}`]);
    } catch (err) {
      skipped.push({ path: source, reason: `not ${link ? 'linked' : 'copied'}: ${(err as Error).message}` });
    }
  }
  const list = path.join(dir, SOURCES_LIST);
  await writeFileAtomic(list, csvText(['source', 'file'], rows));
  return { files: [list, ...files], skipped };
}
