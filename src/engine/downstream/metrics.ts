/**
 * Segmentation metrics computed from one confusion matrix accumulated over a whole split (every
 * pixel of every test image), not averaged per image: small structures in a few images would
 * otherwise count as much as the background of the rest.
 *
 * Absent classes (our definition, documented in docs/benchmark.md): a class that appears neither in
 * the ground truth nor in the prediction of the evaluated split has no IoU or Dice (NaN) and is left
 * out of the means, because there is nothing to get right or wrong. A class absent from the ground
 * truth but predicted somewhere has IoU 0 and Dice 0 (every predicted pixel is a false positive).
 * If no class is left to average, the mean is NaN, never a made-up 0 or 1.
 */

/** Row = true class, column = predicted class, counts of pixels. */
export class ConfusionMatrix {
  readonly counts: Float64Array;
  constructor(readonly classes: number) {
    if (!Number.isInteger(classes) || classes < 1)
      throw new RangeError(`classes must be a positive integer, got ${classes}`);
    this.counts = new Float64Array(classes * classes);
  }

  /** Adds label/prediction pairs pixel by pixel; values outside 0..classes-1 are an error, not ignored. */
  add(truth: ArrayLike<number>, predicted: ArrayLike<number>): this {
    if (truth.length !== predicted.length)
      throw new RangeError(`truth has ${truth.length} pixels but the prediction ${predicted.length}`);
    const k = this.classes;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i];
      const p = predicted[i];
      if (!(t >= 0 && t < k && p >= 0 && p < k))
        throw new RangeError(`pixel ${i}: label ${t} or prediction ${p} is outside 0..${k - 1}`);
      this.counts[t * k + p]++;
    }
    return this;
  }

  /** True positives, false positives and false negatives of class c. */
  tally(c: number): { tp: number; fp: number; fn: number } {
    const k = this.classes;
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += this.counts[c * k + j];
      col += this.counts[j * k + c];
    }
    const tp = this.counts[c * k + c];
    return { tp, fp: col - tp, fn: row - tp };
  }
}

export interface SegmentationScores {
  /** Per class, NaN where the class is absent from truth and prediction. */
  iou: number[];
  dice: number[];
  /** Mean over the foreground classes (1..K-1) present: the headline. */
  mIoU: number;
  /** Mean over every class present, background (class 0) included. */
  mIoUWithBackground: number;
  /** Mean Dice over the foreground classes present. */
  meanDice: number;
  /** Fraction of pixels labelled correctly. */
  pixelAccuracy: number;
}

export function scoresFromConfusion(matrix: ConfusionMatrix): SegmentationScores {
  const iou: number[] = [];
  const dice: number[] = [];
  let correct = 0;
  let total = 0;
  for (let c = 0; c < matrix.classes; c++) {
    const { tp, fp, fn } = matrix.tally(c);
    const union = tp + fp + fn;
    iou.push(union === 0 ? NaN : tp / union);
    dice.push(union === 0 ? NaN : (2 * tp) / (2 * tp + fp + fn));
    correct += tp;
    total += tp + fn;
  }
  return {
    iou,
    dice,
    mIoU: nanMean(iou.slice(1)),
    mIoUWithBackground: nanMean(iou),
    meanDice: nanMean(dice.slice(1)),
    pixelAccuracy: total === 0 ? NaN : correct / total,
  };
}

/** Mean of the finite values; NaN when there are none. */
export function nanMean(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

/**
 * NormDEL of the MedDEL paper: DEL = mIoU * exp(-alpha * R), NormDEL = 1 / (1 + exp(-DEL)), with mIoU
 * and R (the fraction of the pool kept) as fractions. It rewards accuracy per unit of data kept.
 */
export function normDel(mIoU: number, fractionKept: number, alpha = 1): number {
  if (!(fractionKept >= 0 && fractionKept <= 1))
    throw new RangeError(`the fraction of data kept must be in [0, 1] (0: no pre-training data), got ${fractionKept}`);
  const del = mIoU * Math.exp(-alpha * fractionKept);
  return 1 / (1 + Math.exp(-del));
}
