/**
 * bench/predictions/<dataset>/: a few test images of each data set with the truth and every cell's
 * predicted label map as PNGs, and index.json (PredictionIndex) for the segmentation results view.
 * Written after each cell; the index is read, updated for that method and seed, and rewritten.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PredictionIndex } from '../../shared/artifacts';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { encodeGrayPng } from '../data/formats/png';
import type { LabelledData } from '../downstream/finetune';
import { ConfusionMatrix, scoresFromConfusion } from '../downstream/metrics';

/** Test images shown per data set. */
export const PREDICTION_SAMPLES = 6;

export async function writePredictions(benchDir: string, data: LabelledData, method: string, seed: number, predicted: Uint8Array): Promise<void> {
  const dir = path.join(benchDir, 'predictions', data.name);
  const area = data.imageSize ** 2;
  const count = predicted.length / area;
  const file = path.join(dir, 'index.json');
  let index: PredictionIndex | undefined;
  if (fs.existsSync(file)) {
    const old = (await readJsonFile(file).catch(() => undefined)) as PredictionIndex | undefined;
    // An index of other samples (another split or size) is started over.
    if (old?.version === 1 && old.samples?.length === count && old.imageSize === data.imageSize) index = old;
  }
  if (!index) {
    index = { version: 1, dataset: data.name, imageSize: data.imageSize, classes: data.classes, samples: [], runs: [] };
    for (let i = 0; i < count; i++) {
      const image = data.test.images.subarray(i * area, (i + 1) * area);
      await writeFileAtomic(path.join(dir, 'images', `${i}.png`), encodeGrayPng(Uint8Array.from(image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)), data.imageSize, data.imageSize));
      await writeFileAtomic(path.join(dir, 'truth', `${i}.png`), encodeGrayPng(data.test.labels.subarray(i * area, (i + 1) * area), data.imageSize, data.imageSize));
      index.samples.push({ name: `test ${i}`, image: `images/${i}.png`, truth: `truth/${i}.png` });
    }
  }
  const folder = `${method}-seed${seed}`;
  const predictions: string[] = [];
  const sampleIoU: Array<Array<number | null>> = [];
  for (let i = 0; i < count; i++) {
    const labels = predicted.subarray(i * area, (i + 1) * area);
    await writeFileAtomic(path.join(dir, folder, `${i}.png`), encodeGrayPng(labels, data.imageSize, data.imageSize));
    predictions.push(`${folder}/${i}.png`);
    const scores = scoresFromConfusion(new ConfusionMatrix(data.classes.length).add(data.test.labels.subarray(i * area, (i + 1) * area), labels));
    sampleIoU.push(scores.iou.map((v) => (Number.isFinite(v) ? v : null)));
  }
  index.runs = [...index.runs.filter((r) => !(r.method === method && r.seed === seed)), { method, seed, predictions, sampleIoU }];
  await writeJsonAtomic(file, index);
}
