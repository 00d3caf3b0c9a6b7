/**
 * The input-free predictor f[∅] of a masked autoencoder (OPTIDEL.md, "Theory"): the best guess of a
 * masked patch that sees nothing of the image, i.e. the mean per-patch normalised value at each
 * position (patch location x pixel within the patch) over a set of images. Its moments are sums, so
 * sets merge, and a predictor fitted on one set can be scored on another (held-out images).
 */

/** The MAE's per-patch normalisation epsilon (normalisePatches in model/mae.ts). */
const NORM_EPSILON = 1e-6;

export interface PositionMoments {
  count: number;
  /** Per position (imageSize² values, patch-major: patch index x pixel in patch): sum and sum of squares. */
  sum: Float64Array;
  sumSq: Float64Array;
}

export function emptyMoments(imageSize: number): PositionMoments {
  return { count: 0, sum: new Float64Array(imageSize * imageSize), sumSq: new Float64Array(imageSize * imageSize) };
}

/** Adds `count` images of imageSize² pixels (concatenated) to `into`, normalised per patch as the MAE's target is. */
export function addImages(
  into: PositionMoments,
  pixels: Float32Array,
  count: number,
  imageSize: number,
  patchSize: number,
): PositionMoments {
  const area = imageSize * imageSize;
  if (pixels.length !== count * area)
    throw new Error(`input-free predictor: ${pixels.length} values for ${count} images of ${imageSize}x${imageSize}`);
  const grid = imageSize / patchSize;
  const pp = patchSize * patchSize;
  const patch = new Float64Array(pp);
  for (let s = 0; s < count; s++) {
    for (let py = 0; py < grid; py++) {
      for (let px = 0; px < grid; px++) {
        let mean = 0;
        for (let q = 0; q < pp; q++) {
          patch[q] =
            pixels[
              s * area + (py * patchSize + Math.floor(q / patchSize)) * imageSize + px * patchSize + (q % patchSize)
            ];
          mean += patch[q];
        }
        mean /= pp;
        let variance = 0;
        for (let q = 0; q < pp; q++) variance += (patch[q] - mean) ** 2;
        const scale = 1 / Math.sqrt(variance / pp + NORM_EPSILON);
        const base = (py * grid + px) * pp;
        for (let q = 0; q < pp; q++) {
          const v = (patch[q] - mean) * scale;
          into.sum[base + q] += v;
          into.sumSq[base + q] += v * v;
        }
      }
    }
  }
  into.count += count;
  return into;
}

export function momentsOf(pixels: Float32Array, count: number, imageSize: number, patchSize: number): PositionMoments {
  return addImages(emptyMoments(imageSize), pixels, count, imageSize, patchSize);
}

/** The predictor itself: the per-position mean ([patches, pixels per patch] in patch-major order). */
export function inputFreeMean(moments: PositionMoments): Float32Array {
  return Float32Array.from(moments.sum, (v) => (moments.count ? v / moments.count : 0));
}

/**
 * Mean squared error, per value, of the predictor `mean` on the images whose moments are `on`:
 * E[(y - μ)²] = E[y²] - 2 μ E[y] + μ². With `mean` fitted on `on` itself this is the per-position variance.
 */
export function inputFreeErrorOn(mean: Float32Array, on: PositionMoments): number {
  if (on.count === 0) return 0;
  let error = 0;
  for (let i = 0; i < mean.length; i++)
    error += on.sumSq[i] / on.count - (2 * mean[i] * on.sum[i]) / on.count + mean[i] * mean[i];
  return error / mean.length;
}
