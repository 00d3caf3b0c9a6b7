/**
 * Labelled segmentation data sets (`downstream` in optidel.json): an image volume with its label
 * volume, folders of images and label maps matched by name (2D files or volumes; nnU-Net's
 * `CASE_0000` matches `CASE`), or a Decathlon or nnU-Net `dataset.json` (`datasetLayouts.ts`).
 * Images get the pool's intensity mapping and resize; labels are resized by nearest neighbour
 * with exactly the image's placement. Classes are declared or discovered. Splits are deterministic
 * for a seed and leak-free (`splits.ts`: by acquisition, or guarded thirds of too few), and every
 * loaded data set carries its split report; a test image nearly identical to a training image is
 * refused (`splitReport.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Provenance } from '../../shared/artifacts';
import type { DownstreamDataset } from '../../shared/config';
import type { LoadedConfig } from '../config/loadConfig';
import { ConfigError } from '../config/loadConfig';
import type { DatasetListing, LabelledPair } from './datasetLayouts';
import { nnUnetCase, readDatasetJson } from './datasetLayouts';
import { classify, compareNatural } from './discover';
import { UnusableFileError } from './formats/errors';
import { isVolumePath, readVolumeFile } from './formats/volumeFile';
import { decodeGray } from './formats/raster';
import { applyIntensity, chooseIntensity, isEmptySlice } from './intensity';
import { sampleOptions } from './ingest';
import { SeededRandom } from './random';
import { acquisitionKey, assignSplits } from './splits';
import { refuseNearDuplicates, splitReport, type SplitReport } from './splitReport';
import { resizeIntoSquare, resizeLabelsIntoSquare } from './resize';
import { volumeIntensity } from './slicing';
import type { Volume } from './volume';
import { AXIS_NUMBERS, hasNonFinite, orientationOf, planSlices } from './volume';

export interface SegmentationSplit {
  count: number;
  /** count * imageSize² values in [0, 1]. */
  images: Float32Array;
  /** count * imageSize² class indices into `classes`. */
  labels: Uint8Array;
  provenance: Provenance[];
}

export interface SegmentationDataset {
  name: string;
  imageSize: number;
  classes: string[];
  train: SegmentationSplit;
  val: SegmentationSplit;
  test: SegmentationSplit;
  /** Pairs that could not be used, with the reason. */
  skipped: Array<{ path: string; reason: string }>;
  /** How the splits were made, and how close each test image is to the training images. */
  split: SplitReport;
}

export interface SegmentationOptions {
  /** Seed of the split's partition (default the config's). */
  seed?: number;
  /** The tested fold (`assignSplits`; default 0, what `optidel finetune` tests). */
  fold?: number;
  /** Train, validation, test shares (default 0.7, 0.15, 0.15). */
  fractions?: [number, number, number];
  /** Keep at most this many training samples (a seeded choice among the train split's). */
  maxTrain?: number;
}

/** One labelled 2D sample before splitting; `acquisition` ties the samples of one volume or frame sequence. */
interface Item {
  image: Float32Array;
  rawLabels: Int32Array;
  provenance: Provenance;
  acquisition: string;
  /** The sample in messages and the split report: its file (relative to the config) and slice. */
  name: string;
}

const DEFAULT_FRACTIONS: [number, number, number] = [0.7, 0.15, 0.15];

export async function loadSegmentationDataset(
  loaded: LoadedConfig,
  name: string,
  options: SegmentationOptions = {},
): Promise<SegmentationDataset> {
  const entry = loaded.config.downstream.find((d) => d.name === name);
  if (!entry) {
    const known = loaded.config.downstream.map((d) => d.name);
    throw new ConfigError(
      `${loaded.file}: no downstream data set named "${name}"; ${known.length ? `known: ${known.join(', ')}` : 'add one under "downstream"'}`,
    );
  }
  const imageSize = loaded.config.imageSize;
  const { items, classes, remap, skipped } = await decodedDataset(loaded, entry);
  const fractions = options.fractions ?? DEFAULT_FRACTIONS;
  const seed = options.seed ?? loaded.config.seed;
  const plan = assignSplits(items, fractions, seed, options.fold);
  const pick = (split: number) => items.filter((_, i) => plan.assignment[i] === split);
  let train = pick(0);
  if (options.maxTrain !== undefined && train.length > options.maxTrain) {
    // Seeded by partition and fold; where two (seed, fold) pairs share a seed their train sets differ.
    const keep = new Set(
      new SeededRandom(plan.seed + plan.fold + 7919)
        .shuffle(train.map((_, i) => i))
        .slice(0, Math.max(0, options.maxTrain)),
    );
    train = train.filter((_, i) => keep.has(i));
  }
  const test = pick(2);
  const split = splitReport(name, plan, items, train, test);
  refuseNearDuplicates(split, loaded.file);
  return {
    name,
    imageSize,
    classes: [...classes],
    train: toSplit(train, imageSize, remap),
    val: toSplit(pick(1), imageSize, remap),
    test: toSplit(test, imageSize, remap),
    skipped: [...skipped],
    split,
  };
}

interface DecodedDataset {
  items: Item[];
  classes: string[];
  remap: Map<number, number>;
  skipped: SegmentationDataset['skipped'];
}

/**
 * Decoded samples of a data set, kept for the life of the process (a benchmark loads the same set
 * for every method and seed); the key includes the settings and the files' modification times.
 */
const decodedCache = new Map<string, Promise<DecodedDataset>>();
const DECODED_CACHE_SIZE = 4;

async function decodedDataset(loaded: LoadedConfig, entry: DownstreamDataset): Promise<DecodedDataset> {
  const mtime = async (p: string) => (await fs.promises.stat(p).catch(() => undefined))?.mtimeMs;
  const key = JSON.stringify([
    loaded.file,
    entry,
    loaded.config.imageSize,
    loaded.config.ingest,
    ...(await Promise.all([entry.images, entry.labels, entry.dataset].map((p) => p && mtime(p)))),
  ]);
  let decoded = decodedCache.get(key);
  if (!decoded) {
    if (decodedCache.size >= DECODED_CACHE_SIZE) decodedCache.delete(decodedCache.keys().next().value!);
    decoded = decodeDataset(loaded, entry);
    decodedCache.set(key, decoded);
    decoded.catch(() => decodedCache.delete(key));
  }
  return decoded;
}

async function decodeDataset(loaded: LoadedConfig, entry: DownstreamDataset): Promise<DecodedDataset> {
  const items: Item[] = [];
  const pattern = acquisitionPattern(loaded.file, entry);
  const listing = await listPairs(entry);
  const { root, skipped } = listing;
  const configDir = path.dirname(loaded.file);
  for (const pair of listing.pairs) {
    const volume = isVolumePath(pair.image);
    const tag = {
      acquisition: acquisitionKey(path.relative(root, pair.image), { pattern, volume }),
      name: path.relative(configDir, pair.image),
    };
    try {
      if (volume) items.push(...(await volumeItems(loaded, entry, pair.image, pair.labels, tag)));
      else items.push(await imageItem(loaded, pair.image, pair.labels, tag));
    } catch (err) {
      if (!(err instanceof UnusableFileError)) throw err;
      skipped.push({ path: pair.image, reason: err.message.replace(`${pair.image}: `, '') });
    }
  }
  if (items.length === 0) {
    throw new Error(
      `downstream "${entry.name}": no usable labelled samples in ${entry.dataset ?? entry.images}${
        skipped.length
          ? ` (${skipped
              .slice(0, 3)
              .map((s) => `${s.path}: ${s.reason}`)
              .join('; ')})`
          : ''
      }`,
    );
  }
  return { items, ...resolveClasses(entry, listing.classes, items, loaded.file), skipped };
}

/** The user's `acquisition` regex of a data set, checked. */
function acquisitionPattern(file: string, entry: DownstreamDataset): RegExp | undefined {
  if (entry.acquisition === undefined) return undefined;
  try {
    return new RegExp(entry.acquisition);
  } catch (err) {
    throw new ConfigError(
      `${file}: downstream "${entry.name}".acquisition is not a regular expression (${(err as Error).message}); write one whose first group names the acquisition, e.g. "case-(\\d+)"`,
    );
  }
}

/** The data set's image and label pairs: from its dataset.json, or its images and labels (files or folders). */
export async function listPairs(entry: DownstreamDataset): Promise<DatasetListing> {
  if (entry.dataset) return readDatasetJson(entry.dataset, entry.name);
  const images = entry.images!;
  const labels = entry.labels!;
  const stat = await fs.promises.stat(images).catch(() => undefined);
  if (!stat) throw new ConfigError(`downstream "${entry.name}": images ${images} does not exist`);
  if (!(await fs.promises.stat(labels).catch(() => undefined)))
    throw new ConfigError(`downstream "${entry.name}": labels ${labels} does not exist`);
  if (!stat.isDirectory()) return { root: path.dirname(images), pairs: [{ image: images, labels }], skipped: [] };
  const skipped: DatasetListing['skipped'] = [];
  return { root: images, pairs: await matchByName(images, labels, skipped), skipped };
}

/** Images matched to the label maps of the same name (or with a mask suffix, or nnU-Net's channel 0000). */
async function matchByName(
  images: string,
  labels: string,
  skipped: DatasetListing['skipped'],
): Promise<LabelledPair[]> {
  const labelsByStem = new Map<string, string>();
  for (const f of await listFiles(labels)) labelsByStem.set(stem(path.relative(labels, f)), f);
  const pairs: LabelledPair[] = [];
  for (const image of await listFiles(images)) {
    const key = stem(path.relative(images, image));
    const found = [key, `${key}_mask`, `${key}_label`, `${key}_seg`, `${key}-mask`, `${key}-label`]
      .map((k) => labelsByStem.get(k))
      .find(Boolean);
    const channel = nnUnetCase(key);
    const ofCase = channel && labelsByStem.get(channel.stem);
    if (found) pairs.push({ image, labels: found });
    else if (ofCase && channel.channel === '0000') pairs.push({ image, labels: ofCase });
    else if (ofCase)
      skipped.push({ path: image, reason: `channel ${channel.channel} of an nnU-Net case: only channel 0000 is used` });
    else skipped.push({ path: image, reason: `no label map with the same name in ${labels}` });
  }
  return pairs;
}

/** The image files under `dir` (the data files of header/data pairs, `.img` or `.raw`, are not images). */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.promises.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && classify(e.name) !== undefined)
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort(compareNatural);
}

function stem(relative: string): string {
  return relative
    .replace(/\.nii\.gz$/i, '')
    .replace(/\.[^./\\]+$/, '')
    .split(path.sep)
    .join('/');
}

type ItemTag = Pick<Item, 'acquisition' | 'name'>;

async function volumeItems(
  loaded: LoadedConfig,
  entry: DownstreamDataset,
  imageFile: string,
  labelFile: string,
  tag: ItemTag,
): Promise<Item[]> {
  const options = sampleOptions(loaded);
  const image = await readVolumeFile(imageFile, options);
  const labels = await readVolumeFile(labelFile, options);
  if (hasNonFinite(image.voxels)) throw new UnusableFileError(`${imageFile}: contains NaN or infinite voxels`);
  if (image.dims.join('x') !== labels.dims.join('x')) {
    throw new UnusableFileError(
      `${imageFile}: label map ${labelFile} is ${labels.dims.join('x')}, the image is ${image.dims.join('x')}; they must be voxel-aligned`,
    );
  }
  const mapping = volumeIntensity(image, options.intensity);
  // Both volumes are cut with the image's orientation: they are aligned voxel by voxel.
  const orientation = orientationOf(image.axes);
  const axis = AXIS_NUMBERS[entry.axis ?? 'axial'];
  const imagePlan = planSlices(image, axis, orientation);
  const labelVolume: Volume = { ...labels, axes: image.axes };
  const labelPlan = planSlices(labelVolume, axis, orientation);
  const size = loaded.config.imageSize;
  const slice = new Float32Array(imagePlan.width * imagePlan.height);
  const labelSlice = new Float32Array(slice.length);
  const out: Item[] = [];
  for (let index = 0; index < imagePlan.count; index++) {
    imagePlan.extract(index, 0, slice);
    applyIntensity(slice, mapping);
    if (isEmptySlice(slice, options.emptyFraction)) continue;
    labelPlan.extract(index, 0, labelSlice);
    const resized = new Float32Array(size * size);
    resizeIntoSquare(slice, imagePlan.width, imagePlan.height, size, resized, imagePlan.pixelSpacing);
    out.push({
      image: resized,
      rawLabels: resizeRawLabels(labelSlice, imagePlan.width, imagePlan.height, size, imagePlan.pixelSpacing),
      provenance: {
        source: imageFile,
        axis,
        slice: index,
        originalSize: [imagePlan.width, imagePlan.height],
        intensity: mapping.label,
      },
      acquisition: tag.acquisition,
      name: `${tag.name} slice ${index}`,
    });
  }
  return out;
}

async function imageItem(loaded: LoadedConfig, imageFile: string, labelFile: string, tag: ItemTag): Promise<Item> {
  const options = sampleOptions(loaded);
  const image = await decodeGray(imageFile, options.maxVoxels);
  const labels = await decodeGray(labelFile, options.maxVoxels);
  if (image.width !== labels.width || image.height !== labels.height) {
    throw new UnusableFileError(
      `${imageFile}: label map ${labelFile} is ${labels.width}x${labels.height}, the image is ${image.width}x${image.height}`,
    );
  }
  const mapping = chooseIntensity(options.intensity, { eightBit: image.eightBit, sample: image.values });
  applyIntensity(image.values, mapping);
  const size = loaded.config.imageSize;
  const resized = new Float32Array(size * size);
  resizeIntoSquare(image.values, image.width, image.height, size, resized);
  return {
    image: resized,
    rawLabels: resizeRawLabels(labels.values, labels.width, labels.height, size, [1, 1]),
    provenance: { source: imageFile, originalSize: [image.width, image.height], intensity: mapping.label },
    ...tag,
  };
}

function resizeRawLabels(
  values: Float32Array,
  width: number,
  height: number,
  size: number,
  spacing: [number, number],
): Int32Array {
  const rounded = Int32Array.from(values, (v) => Math.round(v));
  const out = new Int32Array(size * size);
  resizeLabelsIntoSquare(rounded, width, height, size, out, spacing);
  return out;
}

/**
 * Declared classes (the config's, else the dataset.json's) index label values directly; otherwise
 * the values present, in order, become classes 0..K-1.
 */
function resolveClasses(
  entry: DownstreamDataset,
  listed: string[] | undefined,
  items: Item[],
  file: string,
): { classes: string[]; remap: Map<number, number> } {
  const present = new Set<number>([0]);
  for (const item of items) for (const v of item.rawLabels) present.add(v);
  const values = [...present].sort((a, b) => a - b);
  const declared = entry.classes ?? listed;
  if (declared) {
    const bad = values.find((v) => v < 0 || v >= declared.length);
    const where = entry.classes ? `downstream "${entry.name}".classes` : `the labels of ${entry.dataset}`;
    if (bad !== undefined)
      throw new ConfigError(
        `${file}: ${where} names ${declared.length} classes (values 0..${declared.length - 1}) but the label maps contain the value ${bad}; add a name for it`,
      );
    return { classes: [...declared], remap: new Map(values.map((v) => [v, v])) };
  }
  if (values.length > 256)
    throw new ConfigError(
      `downstream "${entry.name}": the label maps hold ${values.length} distinct values; a label map needs at most 256 classes (is ${entry.labels} really a label map?)`,
    );
  return {
    classes: values.map((v) => (v === 0 ? 'background' : `class ${v}`)),
    remap: new Map(values.map((v, i) => [v, i])),
  };
}

function toSplit(items: Item[], imageSize: number, remap: Map<number, number>): SegmentationSplit {
  const pixels = imageSize * imageSize;
  const images = new Float32Array(items.length * pixels);
  const labels = new Uint8Array(items.length * pixels);
  items.forEach((item, n) => {
    images.set(item.image, n * pixels);
    for (let i = 0; i < pixels; i++) labels[n * pixels + i] = remap.get(item.rawLabels[i]) ?? 0;
  });
  return { count: items.length, images, labels, provenance: items.map((i) => i.provenance) };
}
