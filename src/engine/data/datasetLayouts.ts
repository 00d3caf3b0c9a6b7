/**
 * Labelled data sets laid out the way segmentation challenges publish them, used as they are,
 * without renaming a file: a `dataset.json` of the Medical Segmentation Decathlon (its
 * `training` list of `{image, label}`, its `labels` by value; nnU-Net v1 wrote the same) or of
 * nnU-Net v2 (`channel_names`, `labels` by name, `file_ending`; cases `imagesTr/CASE_0000` with
 * `labelsTr/CASE`). Every file a `dataset.json` names must lie in its folder or below it: a
 * shared data set cannot point OptiDEL anywhere else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../config/loadConfig';
import { compareNatural } from './discover';
import { UnusableFileError } from './formats/errors';
import { dataFileBeside } from './formats/textHeader';

export interface LabelledPair {
  image: string;
  labels: string;
}

export interface DatasetListing {
  /** The folder holding `dataset.json`: file names are relative to it. */
  root: string;
  pairs: LabelledPair[];
  /** Class names by label value, from the file's `labels`. */
  classes?: string[];
  skipped: Array<{ path: string; reason: string }>;
}

/** No genuine dataset.json is this large (the Decathlon's largest is about 100 KB). */
const MAX_JSON_BYTES = 16 << 20;

/** nnU-Net's channel suffix: `CASE_0000` is channel 0 of case CASE. */
const CHANNEL = /_(\d{4})$/;

/** The image and label pairs a `dataset.json` (or the folder holding one) lists. */
export async function readDatasetJson(given: string, dataset: string): Promise<DatasetListing> {
  const isFolder = (await fs.promises.stat(given).catch(() => undefined))?.isDirectory();
  const file = isFolder ? path.join(given, 'dataset.json') : given;
  const where = `downstream "${dataset}".dataset`;
  const stat = await fs.promises.stat(file).catch(() => undefined);
  if (!stat?.isFile())
    throw new ConfigError(`${where}: ${file} does not exist; name a Decathlon or nnU-Net dataset.json or its folder`);
  if (stat.size > MAX_JSON_BYTES)
    throw new ConfigError(`${where}: ${file} is ${stat.size} bytes, too large for a dataset.json`);
  let json: unknown;
  try {
    json = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${where}: ${file} is not valid JSON (${(err as Error).message})`);
  }
  const root = path.dirname(file);
  if (isObject(json) && Array.isArray(json.training)) return decathlon(file, root, json);
  if (isObject(json) && (isObject(json.channel_names) || typeof json.file_ending === 'string'))
    return nnUnetV2(file, root, json);
  throw new ConfigError(
    `${where}: ${file} is neither a Medical Segmentation Decathlon dataset.json (a "training" list) nor an nnU-Net v2 one ("channel_names", "file_ending")`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Decathlon's `training` list; nnU-Net v1 lists `imagesTr/CASE` where the file is `CASE_0000`. */
async function decathlon(file: string, root: string, json: Record<string, unknown>): Promise<DatasetListing> {
  const skipped: DatasetListing['skipped'] = [];
  const pairs: LabelledPair[] = [];
  for (const [i, entry] of (json.training as unknown[]).entries()) {
    const field = `training[${i}]`;
    if (!isObject(entry) || typeof entry.image !== 'string' || typeof entry.label !== 'string') {
      skipped.push({ path: file, reason: `${field} is not an {"image", "label"} pair of file names` });
      continue;
    }
    try {
      const image = await existing(file, entry.image, `${field}.image`, true);
      const labels = await existing(file, entry.label, `${field}.label`, false);
      pairs.push({ image, labels });
    } catch (err) {
      if (!(err instanceof UnusableFileError)) throw err;
      skipped.push({ path: file, reason: err.message.replace(`${file}: `, '') });
    }
  }
  return { root, pairs, classes: classesByValue(json.labels, (key, value) => [Number(key), value]), skipped };
}

/** The file a data set names, contained in its folder and present (an nnU-Net v1 image as its channel 0). */
async function existing(file: string, named: string, field: string, image: boolean): Promise<string> {
  const resolved = dataFileBeside(file, named, field);
  if (await isFile(resolved)) return resolved;
  const firstChannel = image ? withChannel(resolved, '0000') : undefined;
  if (firstChannel && (await isFile(firstChannel))) return firstChannel;
  throw new UnusableFileError(`${file}: ${field} names ${named}, which does not exist`);
}

/** nnU-Net v2: every label file `labelsTr/CASE` with its first channel `imagesTr/CASE_0000`. */
async function nnUnetV2(file: string, root: string, json: Record<string, unknown>): Promise<DatasetListing> {
  const ending = typeof json.file_ending === 'string' ? json.file_ending : '.nii.gz';
  if (!/^(\.[A-Za-z0-9]+)+$/.test(ending))
    throw new ConfigError(`${file}: file_ending "${ending}" is not a file extension such as ".nii.gz"`);
  const skipped: DatasetListing['skipped'] = [];
  const labelsDir = path.join(root, 'labelsTr');
  const names = await fs.promises.readdir(labelsDir).catch(() => {
    throw new ConfigError(`${file}: an nnU-Net dataset needs its label maps in ${labelsDir}`);
  });
  const pairs: LabelledPair[] = [];
  for (const name of names.filter((n) => n.endsWith(ending) && !n.startsWith('.')).sort(compareNatural)) {
    const image = path.join(root, 'imagesTr', `${name.slice(0, -ending.length)}_0000${ending}`);
    if (await isFile(image)) pairs.push({ image, labels: path.join(labelsDir, name) });
    else skipped.push({ path: path.join(labelsDir, name), reason: `no image ${image} (channel 0000 of its case)` });
  }
  const channels = isObject(json.channel_names) ? Object.entries(json.channel_names) : [];
  if (channels.length > 1)
    skipped.push({
      path: path.join(root, 'imagesTr'),
      reason: `only channel 0 (${String(channels[0][1])}) is used; ${channels
        .slice(1)
        .map(([k, v]) => `${k} (${String(v)})`)
        .join(', ')} left out`,
    });
  const regions = isObject(json.labels) && Object.values(json.labels).some((v) => typeof v !== 'number');
  if (regions)
    throw new ConfigError(
      `${file}: its labels are nnU-Net regions (lists of values); name one value per class to use it as a segmentation data set`,
    );
  return { root, pairs, classes: classesByValue(json.labels, (key, value) => [Number(value), key]), skipped };
}

/** Class names by value from a `labels` object, through `entry` (key, value) -> [label value, name]; gaps get plain names. */
function classesByValue(
  labels: unknown,
  entry: (key: string, value: unknown) => [number, unknown],
): string[] | undefined {
  if (!isObject(labels)) return undefined;
  const named = new Map(Object.entries(labels).map(([k, v]) => entry(k, v)));
  const values = [...named.keys()];
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) return undefined;
  const count = Math.max(...values) + 1;
  return Array.from({ length: count }, (_, v) => {
    const name = named.get(v);
    return typeof name === 'string' && name.length > 0 ? name : v === 0 ? 'background' : `class ${v}`;
  });
}

/** `file` with nnU-Net's channel suffix before its (double) extension: `a.nii.gz` -> `a_0000.nii.gz`. */
function withChannel(file: string, channel: string): string | undefined {
  const match = /(\.[^./\\]+(?:\.gz)?)$/.exec(file);
  return match ? `${file.slice(0, -match[1].length)}_${channel}${match[1]}` : undefined;
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.promises.stat(file).catch(() => undefined))?.isFile() ?? false;
}

/**
 * The stem of nnU-Net's first channel of a case (`CASE_0000` -> `CASE`) and, for another
 * channel, its number: images folders of nnU-Net are matched to labels without renaming.
 */
export function nnUnetCase(stem: string): { stem: string; channel: string } | undefined {
  const match = CHANNEL.exec(stem);
  return match ? { stem: stem.slice(0, -match[0].length), channel: match[1] } : undefined;
}
