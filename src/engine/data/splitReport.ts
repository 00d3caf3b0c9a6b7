/**
 * The split report of a labelled data set: how its splits were made (by acquisition, or thirds of
 * too few acquisitions with guard bands) and, for every test image, its nearest training image and
 * their similarity. A test image nearly identical to a training image makes the test measure
 * memory instead of segmentation, so such a split is refused with both images named and the fix.
 */
import { ConfigError } from '../config/loadConfig';
import { SPLIT_NAMES, type SplitPlan } from './splits';

/**
 * Similarity is the normalised cross-correlation (Pearson correlation of the pixels at the model's
 * image size): 1 for the same picture, whatever its brightness and contrast. A test image at or
 * above this is taken for a copy of its nearest training image. At 32 px the outline of the body
 * against air carries most of a slice's variance, so slices of two different subjects at the same
 * level correlate highly: on the small demo data (seed 0) other subjects reached 0.997 and
 * neighbouring slices of one acquisition 0.987 to 0.997 in the median, so no threshold tells a
 * neighbour from another subject; the acquisition rule (splits.ts) keeps neighbours apart. This
 * catches what that rule cannot: a copy or re-export (1, or within compression noise of it)
 * filed under another acquisition.
 */
export const NEAR_DUPLICATE_SIMILARITY = 0.999;

export interface NearestTraining {
  test: string;
  train: string;
  similarity: number;
}

export interface SplitReport {
  dataset: string;
  /** The seed of the partition the split was made from. */
  seed: number;
  /** The tested fold (numbered from 0, as benchmark seeds are) and the partition's folds. */
  fold: number;
  folds: number;
  strategy: SplitPlan['strategy'];
  acquisitions: number;
  guardPerSide: number;
  /** Samples per split, and samples dropped in guard bands. */
  counts: Record<(typeof SPLIT_NAMES)[number] | 'guard', number>;
  /** Acquisitions with samples in each split. */
  acquisitionsPerSplit: Record<(typeof SPLIT_NAMES)[number], number>;
  nearDuplicateSimilarity: number;
  /** For every test image (in order), its most similar training image. */
  nearest: NearestTraining[];
  /** Median and largest nearest-training similarity over the test images (NaN without test or train). */
  median: number;
  max: number;
}

export interface ReportedItem {
  image: Float32Array;
  name: string;
  acquisition: string;
}

export function splitReport(
  dataset: string,
  plan: SplitPlan,
  all: readonly ReportedItem[],
  train: readonly ReportedItem[],
  test: readonly ReportedItem[],
): SplitReport {
  const nearest = nearestTraining(
    test.map((t) => t.image),
    train.map((t) => t.image),
  ).map((n, i) => ({ test: test[i].name, train: n.index >= 0 ? train[n.index].name : '', similarity: n.similarity }));
  const sorted = nearest.map((n) => n.similarity).sort((a, b) => a - b);
  const counts = { train: 0, val: 0, test: 0, guard: 0 };
  const acquisitions = SPLIT_NAMES.map(() => new Set<string>());
  all.forEach((item, i) => {
    const split = plan.assignment[i];
    if (split < 0) counts.guard++;
    else {
      counts[SPLIT_NAMES[split]]++;
      acquisitions[split].add(item.acquisition);
    }
  });
  return {
    dataset,
    seed: plan.seed,
    fold: plan.fold,
    folds: plan.folds,
    strategy: plan.strategy,
    acquisitions: plan.acquisitions,
    guardPerSide: plan.guardPerSide,
    counts,
    acquisitionsPerSplit: { train: acquisitions[0].size, val: acquisitions[1].size, test: acquisitions[2].size },
    nearDuplicateSimilarity: NEAR_DUPLICATE_SIMILARITY,
    nearest,
    median: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN,
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** One line for the log: how the split was made and how close test came to train. */
export function describeSplit(report: SplitReport): string {
  const { counts, acquisitionsPerSplit: a } = report;
  const how =
    report.strategy === 'acquisitions'
      ? `by acquisition (${report.acquisitions}: ${a.train} train, ${a.val} validation, ${a.test} test)`
      : `in contiguous thirds of ${report.acquisitions} acquisition(s), ${report.guardPerSide} sample(s) dropped on each side of every cut`;
  const closest = Number.isFinite(report.max)
    ? `; nearest training image of a test image: median similarity ${report.median.toFixed(3)}, max ${report.max.toFixed(3)} (a copy at ${report.nearDuplicateSimilarity})`
    : '';
  return `split of ${report.dataset} (${whichSplit(report)}) ${how}: ${counts.train} train, ${counts.val} validation, ${counts.test} test images, ${counts.guard} in guard bands${closest}`;
}

/** Which of the split's partitions and folds was tested: "fold 2 of 7, partition seed 0". */
function whichSplit(report: SplitReport): string {
  return `fold ${report.fold} of ${report.folds}, partition seed ${report.seed}`;
}

/** Throws when a test image is nearly identical to a training image, naming both and the fix. */
export function refuseNearDuplicates(report: SplitReport, configFile: string): void {
  const copies = report.nearest.filter((n) => n.similarity >= report.nearDuplicateSimilarity);
  if (copies.length === 0) return;
  const worst = copies.reduce((a, b) => (b.similarity > a.similarity ? b : a));
  throw new ConfigError(
    `${configFile}: downstream "${report.dataset}" (${whichSplit(report)}): test image ${worst.test} is nearly identical to training image ${worst.train} ` +
      `(similarity ${worst.similarity.toFixed(4)} >= ${report.nearDuplicateSimilarity}${copies.length > 1 ? `; ${copies.length} test images in all` : ''}), ` +
      'so the test would measure memory, not segmentation. Fix: if they are frames or slices of one acquisition, name it with ' +
      `"acquisition" (a regex over the path; its first group names the acquisition) in downstream "${report.dataset}"; if one is a copy, remove it.`,
  );
}

/** Index and normalised cross-correlation of the most similar training image of every test image (-1, NaN without training images). */
export function nearestTraining(
  test: readonly Float32Array[],
  train: readonly Float32Array[],
): Array<{ index: number; similarity: number }> {
  const trainUnit = train.map(unitCentred);
  return test.map((image) => {
    const unit = unitCentred(image);
    let best = { index: -1, similarity: NaN };
    trainUnit.forEach((other, index) => {
      const similarity = correlation(unit, other, image, train[index]);
      if (best.index < 0 || similarity > best.similarity) best = { index, similarity };
    });
    return best;
  });
}

/** Pixels minus their mean, scaled to unit length; undefined for a flat image. */
function unitCentred(image: Float32Array): Float32Array | undefined {
  let mean = 0;
  for (const v of image) mean += v;
  mean /= image.length;
  const out = new Float32Array(image.length);
  let norm = 0;
  for (let i = 0; i < image.length; i++) {
    out[i] = image[i] - mean;
    norm += out[i] * out[i];
  }
  if (norm < 1e-12) return undefined;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

/** Correlation of two unit-centred images; two flat images are alike (1) when their pixels agree within 1/255. */
function correlation(
  a: Float32Array | undefined,
  b: Float32Array | undefined,
  rawA: Float32Array,
  rawB: Float32Array,
): number {
  if (!a || !b) return !a && !b && rawA.every((v, i) => Math.abs(v - rawB[i]) <= 1 / 255) ? 1 : 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}
