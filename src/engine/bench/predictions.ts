/**
 * bench/predictions/<dataset>/: a few test images of each data set (seed 0's split) with the truth
 * and the predicted label map of every cell of that seed as PNGs, and index.json (PredictionIndex)
 * for the segmentation results view.
 * Written after each cell. Each cell's entry is also kept beside its PNGs (<method>-seed<seed>/run.json)
 * and the index is rebuilt from those, so cells written by parallel benchmark workers all end up
 * in it (`refreshPredictionIndex` once they are done settles any overlap of two writes).
 * A data set's folder is ours only when it holds our index.json: any other folder is never removed.
 * Ours is started over when the data set changes (its digest: another split, an edited label, even
 * in train alone, whose cells are measured again anyway), and a cell folder that shows other images
 * (another seed, another count) is removed, not just hidden.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PredictionIndex } from '../../shared/artifacts';
import { ARTIFACTS, PREDICTION_FILES, predictionsFolder } from '../../shared/run/layout';
import { isPlainName, PLAIN_NAME_RULE } from '../../shared/run/names';
import { removeInRun, resolveInRun, RunPathError } from '../../shared/run/node/contain';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { encodeGrayPng } from '../data/formats/png';
import type { LabelledData } from '../downstream/finetune';
import { ConfusionMatrix, scoresFromConfusion } from '../downstream/metrics';
import { labelledDataDigest } from './dataDigest';

/** Test images shown per data set. */
export const PREDICTION_SAMPLES = 6;
/**
 * The seed whose cells' predictions are shown: each seed tests other subjects (its own split), and
 * the view compares methods on the same test images.
 */
export const PREDICTION_SEED = 0;

type PredictionRun = PredictionIndex['runs'][number];

/** A data set's folder relative to the bench folder (what `bench/predictions/<name>` is under `bench/`). */
function relativeFolder(dataset: string): string {
  if (!isPlainName(dataset)) {
    const why = `cannot name a predictions folder; ${PLAIN_NAME_RULE} (downstream[].name in the config)`;
    throw new RunPathError(`downstream data set name ${JSON.stringify(dataset)} ${why}`, dataset);
  }
  return path.posix.relative(ARTIFACTS.benchDir, predictionsFolder(dataset));
}

/** The data set's folder inside `benchDir`, checked by the containment rule (no link on the way). */
function datasetFolder(benchDir: string, dataset: string): string {
  const fix = 'remove the link from the bench folder';
  return resolveInRun(benchDir, relativeFolder(dataset), { source: 'benchmark predictions', fix });
}

export async function writePredictions(
  benchDir: string,
  data: LabelledData,
  method: string,
  seed: number,
  predicted: Uint8Array,
): Promise<void> {
  const dir = datasetFolder(benchDir, data.name);
  const area = data.imageSize ** 2;
  const count = predicted.length / area;
  const file = path.join(dir, PREDICTION_FILES.index);
  const index = await openIndex(benchDir, data, count);
  const folder = `${method}-seed${seed}`;
  const predictions: string[] = [];
  const sampleIoU: Array<Array<number | null>> = [];
  for (let i = 0; i < count; i++) {
    const labels = predicted.subarray(i * area, (i + 1) * area);
    await writeFileAtomic(path.join(dir, folder, `${i}.png`), encodeGrayPng(labels, data.imageSize, data.imageSize));
    predictions.push(`${folder}/${i}.png`);
    const scores = scoresFromConfusion(
      new ConfusionMatrix(data.classes.length).add(data.test.labels.subarray(i * area, (i + 1) * area), labels),
    );
    sampleIoU.push(scores.iou.map((v) => (Number.isFinite(v) ? v : null)));
  }
  const run: PredictionRun = { method, seed, predictions, sampleIoU };
  await writeJsonAtomic(path.join(dir, folder, PREDICTION_FILES.run), run);
  await writeJsonAtomic(file, await withRunsOnDisk(benchDir, index));
}

/**
 * Writes a data set's test images, truth and an index without runs, unless a matching index is
 * there. Parallel benchmark workers need it done once before they start: two of them starting a
 * folder over at the same time would delete each other's files.
 */
export async function preparePredictions(benchDir: string, data: LabelledData): Promise<void> {
  await openIndex(benchDir, data, Math.min(PREDICTION_SAMPLES, data.test.count));
}

/**
 * The folder's index if it shows the first `count` test samples of this very data set; else the
 * folder started over with them. Only a folder holding our index is started over: a folder of
 * anyone else's files is refused.
 */
async function openIndex(benchDir: string, data: LabelledData, count: number): Promise<PredictionIndex> {
  const dir = datasetFolder(benchDir, data.name);
  const file = path.join(dir, PREDICTION_FILES.index);
  const old = fs.existsSync(file) ? await readJsonFile(file).catch(() => undefined) : undefined;
  const digest = labelledDataDigest(data);
  if (isOurIndex(old, data.name) && old.samples.length === count && old.data === digest) return old;
  if (fs.existsSync(dir)) {
    if (!isOurIndex(old, data.name) && fs.readdirSync(dir).length > 0) {
      const why = `holds files OptiDEL did not write (no predictions ${PREDICTION_FILES.index} for "${data.name}")`;
      throw new RunPathError(`${dir} ${why}; move them out of the bench folder`, dir);
    }
    // Predictions of other samples (another split or size) are stale.
    await removeInRun(benchDir, relativeFolder(data.name), { recursive: true, source: 'benchmark predictions' });
  }
  const area = data.imageSize ** 2;
  const index: PredictionIndex = {
    version: 1,
    dataset: data.name,
    imageSize: data.imageSize,
    classes: data.classes,
    data: digest,
    samples: [],
    runs: [],
  };
  // The empty index first marks the folder as ours: a crash while the images are written leaves
  // a folder we may start over.
  await writeJsonAtomic(file, index);
  for (let i = 0; i < count; i++) {
    const image = data.test.images.subarray(i * area, (i + 1) * area);
    await writeFileAtomic(
      path.join(dir, 'images', `${i}.png`),
      encodeGrayPng(
        Uint8Array.from(image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)),
        data.imageSize,
        data.imageSize,
      ),
    );
    await writeFileAtomic(
      path.join(dir, 'truth', `${i}.png`),
      encodeGrayPng(data.test.labels.subarray(i * area, (i + 1) * area), data.imageSize, data.imageSize),
    );
    index.samples.push({ name: `test ${i}`, image: `images/${i}.png`, truth: `truth/${i}.png` });
  }
  await writeJsonAtomic(file, index);
  return index;
}

/** Rewrites a data set's index with every run whose entry is on disk (after parallel workers). */
export async function refreshPredictionIndex(benchDir: string, dataset: string): Promise<void> {
  const file = path.join(datasetFolder(benchDir, dataset), PREDICTION_FILES.index);
  const index = await readJsonFile(file).catch(() => undefined);
  if (isOurIndex(index, dataset)) await writeJsonAtomic(file, await withRunsOnDisk(benchDir, index));
}

/** Whether `value` is a predictions index OptiDEL wrote for this data set. */
function isOurIndex(value: unknown, dataset: string): value is PredictionIndex {
  const index = value as Partial<PredictionIndex> | undefined;
  return (
    index?.version === 1 &&
    index.dataset === dataset &&
    Array.isArray(index.samples) &&
    Array.isArray(index.runs) &&
    typeof index.imageSize === 'number'
  );
}

/**
 * The index's runs, each replaced or joined by the entry its folder holds, in folder order after the
 * index's own. A folder whose entry shows other images is removed: another seed's (left by a
 * benchmark from before each seed had its split) or another number of samples.
 */
async function withRunsOnDisk(benchDir: string, index: PredictionIndex): Promise<PredictionIndex> {
  const folder = relativeFolder(index.dataset);
  const dir = datasetFolder(benchDir, index.dataset);
  const onDisk: PredictionRun[] = [];
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    // Cell folders are named `<method>-seed<seed>`: any other name (a shared run may hold `\\images`) is not ours to judge.
    if (!entry.isDirectory() || !isPlainName(entry.name)) continue;
    if (!fs.existsSync(path.join(dir, entry.name, PREDICTION_FILES.run))) continue;
    const run = (await readJsonFile(path.join(dir, entry.name, PREDICTION_FILES.run)).catch(() => undefined)) as
      PredictionRun | undefined;
    if (!run) continue; // unreadable (entries are written atomically, so damaged): left as it is
    if (
      run.seed === PREDICTION_SEED &&
      Array.isArray(run.predictions) &&
      run.predictions.length === index.samples.length
    )
      onDisk.push(run);
    else
      await removeInRun(benchDir, path.posix.join(folder, entry.name), {
        recursive: true,
        source: 'benchmark predictions',
      });
  }
  const same = (a: PredictionRun, b: PredictionRun) => a.method === b.method && a.seed === b.seed;
  // An entry whose folder is gone or was just removed would point the view at missing images.
  const kept = index.runs.flatMap((r) => onDisk.filter((d) => same(d, r)));
  return { ...index, runs: [...kept, ...onDisk.filter((d) => !kept.some((k) => same(k, d)))] };
}
