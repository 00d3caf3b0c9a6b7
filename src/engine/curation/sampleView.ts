/**
 * One pool sample's source at full resolution for the sample view (`optidel sample`): the slab of
 * its volume around its slice (a 2D file as a one-slice volume), the window ingest chose for it,
 * its key patches scaled back to the source's pixels, and the label map when the source belongs
 * to a labelled downstream data set. The run folder is untrusted (it may be shared): the sample's
 * source must be a file the run's own ingest read (vouched for as `export --images source` vouches
 * for its copies, data/vouchedSources.ts), a mask a label map the ingest saw (data/vouchedLabels.ts),
 * every run file is read through the containment rule, and only files that decode as images are
 * ever served.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheSample, KeyPatchFile } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import type { SampleResult } from '../../shared/commands';
import { readKeyPatchesFile } from '../../shared/node/keyPatchesFile';
import { resolveInRun } from '../../shared/run/node/contain';
import { UsageError } from '../command';
import type { LoadedConfig } from '../config/loadConfig';
import { loadConfig } from '../config/loadConfig';
import { readCacheIndex } from '../data/cache';
import { classify } from '../data/discover';
import { boxInSourceSlice, canonicalSlab, outlineVolume, type CanonicalSlab } from '../data/displaySlab';
import type { InputLimits } from '../data/formats/errors';
import { readDicomSeries } from '../data/formats/dicomSeries';
import { decodeGray } from '../data/formats/raster';
import { readVolumeFile } from '../data/formats/volumeFile';
import { encodeNifti } from '../data/formats/niftiWriter';
import { sampleOptions } from '../data/ingest';
import { listPairs } from '../data/segmentation';
import { volumeIntensity } from '../data/slicing';
import { labelMapVouched } from '../data/vouchedLabels';
import { filesOfSource, vouchedPoolFiles } from '../data/vouchedSources';
import type { Vec3, Volume, WorldAxis } from '../data/volume';
import { planSlices } from '../data/volume';

/** The most voxels one slab holds (32 MiB of Float32): the whole volume when it fits, else the slices around the sample. */
export const MAX_SLAB_VOXELS = 8 * 2 ** 20;

export async function serveSample(
  runDir: string,
  sampleId: number,
  maxVoxels = MAX_SLAB_VOXELS,
): Promise<Omit<SampleResult, 'written'>> {
  const index = await readCacheIndex(runDir);
  const sample = index.samples[sampleId];
  if (!Number.isInteger(sampleId) || !sample)
    throw new UsageError(
      `sample: --sample ${sampleId} is not in the pool of ${runDir} (ids 0 to ${index.samples.length - 1})`,
    );
  const configFile = resolveInRun(runDir, ARTIFACTS.config, {
    mustExist: true,
    fix: 'ingest the pool again (optidel ingest) to record the config the run used',
  });
  const loaded = await loadConfig(configFile);
  const file = sourceFileOf(sample.source);
  const members = await vouchedMembers(runDir, sample.source, sampleId);
  const limits = sampleOptions(loaded);
  const { volume, kind } = await readSource(sample.source, file, members, limits);
  const axis: WorldAxis = sample.axis ?? 2;
  const request = { axis, slice: sample.slice ?? 0, frame: sample.frame ?? 0, maxVoxels };
  const slab = canonicalSlab(volume, request);
  const mapping = volumeIntensity(volume, loaded.config.ingest?.intensity);
  const notes: string[] = [];
  const keyPatches = await sampleKeyPatches(runDir, sample, volume, index.imageSize, notes);
  const mask = await labelMap(runDir, loaded, file, volume, request, limits, notes);
  const nifti = (data: Float32Array | Uint8Array) =>
    encodeNifti({
      dims: slab.dims,
      spacing: slab.spacing,
      type: data instanceof Uint8Array ? 'uint8' : 'float32',
      data,
    }).toString('base64');
  return {
    id: sampleId,
    source: sample.source,
    file,
    kind,
    axis,
    ...(sample.frame !== undefined ? { frame: sample.frame } : {}),
    slab: { total: slab.total, first: slab.first, count: slab.dims[axis], sampleSlice: slab.sliceInSlab },
    dims: slab.dims,
    spacing: slab.spacing,
    window: { level: (mapping.low + mapping.high) / 2, width: mapping.high - mapping.low, label: mapping.label },
    nifti: nifti(slab.voxels),
    ...(mask ? { mask: { dataset: mask.dataset, labels: mask.labels, nifti: nifti(mask.slab.voxels) } } : {}),
    notes,
    keyPatches,
    ...(keyPatches.length ? { patchesNifti: nifti(outlineVolume(slab, keyPatches)) } : {}),
  };
}

/** A DICOM series of a folder holding several is recorded as `folder#series=UID`. */
function sourceFileOf(source: string): string {
  return source.replace(/#series=.*$/s, '');
}

/**
 * The files behind a sample's source, refused unless the run's ingest read them: a cache index
 * edited to name any file on the disk, or a config.json whose pool was widened to "/".
 */
async function vouchedMembers(runDir: string, source: string, sampleId: number): Promise<string[]> {
  const members = filesOfSource(source, await vouchedPoolFiles(runDir, 'sample'));
  if (members.length === 0)
    throw new UsageError(
      `sample: sample ${sampleId}'s source ${path.resolve(sourceFileOf(source))} is not a file the run's ingest read; ` +
        'the run folder names a file its pool does not hold, so it is not read (ingest the pool again if the data moved)',
    );
  return members;
}

async function readSource(
  source: string,
  file: string,
  members: string[],
  limits: InputLimits,
): Promise<{ volume: Volume; kind: SampleResult['kind'] }> {
  const stat = await fs.promises.stat(file).catch(() => undefined);
  if (!stat) throw new UsageError(`sample: the source ${file} is gone; ingest the pool again if the data moved`);
  if (stat.isDirectory()) return { volume: await readSeries(source, file, members, limits), kind: 'volume' };
  const format = classify(file);
  if (format === 'volume') return { volume: await readVolumeFile(file, limits), kind: 'volume' };
  if (format === 'raster') return { volume: imageVolume(await decodeGray(file, limits.maxVoxels)), kind: 'image' };
  throw new UsageError(`sample: ${file} is not an image file OptiDEL reads`);
}

/** The series `source` among the vouched DICOM files `members` of `folder`, stacked as ingest stacked it. */
async function readSeries(source: string, folder: string, members: string[], limits: InputLimits): Promise<Volume> {
  const files = [...members].sort();
  const errors: string[] = [];
  for await (const outcome of readDicomSeries(files, limits)) {
    if ('volume' in outcome && outcome.source === source) return outcome.volume;
    if ('error' in outcome) errors.push(`${outcome.path}: ${(outcome.error as Error).message}`);
  }
  throw new UsageError(
    `sample: no readable DICOM series ${source} in ${folder}${errors.length ? ` (${errors.slice(0, 3).join('; ')})` : ''}`,
  );
}

/** A 2D image as a one-slice volume whose rows run from anterior down, so its axial slice is the image as stored. */
function imageVolume(image: { width: number; height: number; values: Float32Array; eightBit: boolean }): Volume {
  return {
    dims: [image.width, image.height, 1],
    frames: 1,
    axes: [
      [1, 0, 0],
      [0, -1, 0],
      [0, 0, 1],
    ],
    voxels: image.values,
    slope: 1,
    intercept: 0,
    hints: { eightBit: image.eightBit },
  };
}

async function sampleKeyPatches(
  runDir: string,
  sample: CacheSample,
  volume: Volume,
  imageSize: number,
  notes: string[],
): Promise<SampleResult['keyPatches']> {
  let file: KeyPatchFile;
  try {
    file = await readKeyPatchesFile(runDir, ARTIFACTS.keyPatches, {
      warn: (message) => notes.push(`key patch not shown: ${message}`),
    });
  } catch (err) {
    if (!/no such file/.test((err as Error).message)) notes.push(`key patches not shown: ${(err as Error).message}`);
    return [];
  }
  const plan = planSlices(volume, sample.axis ?? 2);
  return file.patches
    .filter((p) => p.sampleId === sample.id)
    .map((p) => ({
      id: p.id,
      ...boxInSourceSlice(p.box, plan, imageSize),
      ...(typeof p.difficulty === 'number' ? { difficulty: p.difficulty } : {}),
      origin: p.origin,
    }));
}

/** The label map paired with `file` in a downstream data set, in the slab's grid; notes why when one is found but unusable. */
async function labelMap(
  runDir: string,
  loaded: LoadedConfig,
  file: string,
  volume: Volume,
  request: Parameters<typeof canonicalSlab>[1],
  limits: InputLimits,
  notes: string[],
): Promise<{ dataset: string; slab: CanonicalSlab; labels: number[] } | undefined> {
  const target = path.resolve(file);
  for (const entry of loaded.config.downstream) {
    const listing = await listPairs(entry).catch((err: Error) => {
      notes.push(`downstream "${entry.name}" not searched for a mask: ${err.message}`);
      return undefined;
    });
    const pair = listing?.pairs.find((p) => path.resolve(p.image) === target);
    if (!pair) continue;
    const vouched = await labelMapVouched(runDir, pair.labels);
    if (vouched !== true) {
      notes.push(`mask ${pair.labels} of downstream "${entry.name}" not shown: ${vouched}`);
      continue;
    }
    try {
      const labels =
        classify(pair.labels) === 'raster'
          ? imageVolume(await decodeGray(pair.labels, limits.maxVoxels))
          : await readVolumeFile(pair.labels, limits);
      if (!sameGrid(labels.dims, volume.dims))
        throw new Error(`it has ${labels.dims.join('x')} voxels, the image ${volume.dims.join('x')}`);
      const slab = canonicalSlab(labels, { ...request, frame: 0 });
      const values = [...new Set(slab.voxels)].filter((v) => v !== 0).sort((a, b) => a - b);
      return { dataset: entry.name, slab, labels: values };
    } catch (err) {
      notes.push(`mask ${pair.labels} of downstream "${entry.name}" not shown: ${(err as Error).message}`);
    }
  }
  return undefined;
}

function sameGrid(a: Vec3, b: Vec3): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}
