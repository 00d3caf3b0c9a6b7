/**
 * Bounded, plausible intensity and shape changes of an image, for adversarial augmentation: a
 * gamma curve, a contrast change about the image's mean, and a small smooth elastic warp. Each is
 * something a scanner, a protocol or a patient's position does to an image, so a hardened sample
 * stays a picture of anatomy. An L-infinity step on the MAE's per-patch normalised loss, by contrast,
 * mostly turns flat background into noise (issue 15): noise of amplitude 0.03 on a flat patch is
 * all that patch holds after normalisation.
 */
import type { SeededRandom } from '../data/random';
import { sampleBilinear } from './bilinear';

export interface PlausibleBounds {
  /** Gamma is drawn log-uniformly in [1 / maxGamma, maxGamma] (default 1.5). */
  maxGamma: number;
  /** Contrast is scaled by a factor drawn log-uniformly in [1 / maxContrast, maxContrast] (default 1.25). */
  maxContrast: number;
  /** The warp moves no pixel further than this fraction of the image side (default 0.03: 2 px at 64 px). */
  maxWarp: number;
}

export const DEFAULT_PLAUSIBLE_BOUNDS: PlausibleBounds = { maxGamma: 1.5, maxContrast: 1.25, maxWarp: 0.03 };

/** The control grid of the warp: displacements on CONTROL x CONTROL points, interpolated bilinearly (smooth, no folds at these amplitudes). */
const CONTROL = 4;

export interface PlausibleTransform {
  gamma: number;
  contrast: number;
  /** Displacements in pixels at the control points: [dx, dy] per point, row-major. */
  warp: Float32Array;
}

export function drawPlausible(
  random: SeededRandom,
  size: number,
  bounds = DEFAULT_PLAUSIBLE_BOUNDS,
): PlausibleTransform {
  const logUniform = (max: number) => Math.exp((2 * random.next() - 1) * Math.log(max));
  const gamma = logUniform(bounds.maxGamma);
  const contrast = logUniform(bounds.maxContrast);
  const amplitude = bounds.maxWarp * size;
  const warp = Float32Array.from({ length: 2 * CONTROL * CONTROL }, () => (2 * random.next() - 1) * amplitude);
  return { gamma, contrast, warp };
}

/** The unchanged image, as a transform. */
export function identityPlausible(): PlausibleTransform {
  return { gamma: 1, contrast: 1, warp: new Float32Array(2 * CONTROL * CONTROL) };
}

/** One line for the synthesis index, so the gallery says what was done to the sample. */
export function describePlausible(t: PlausibleTransform): string {
  const largest = t.warp.reduce((m, d) => Math.max(m, Math.abs(d)), 0);
  return `gamma ${t.gamma.toFixed(2)}, contrast x${t.contrast.toFixed(2)}, warp up to ${largest.toFixed(1)} px`;
}

/** The elastic warp: every pixel sampled from its displaced position (the gradient step on gamma and contrast starts from it). */
export function warpImage(src: Float32Array, size: number, warp: Float32Array): Float32Array {
  const warped = new Float32Array(size * size);
  const step = (size - 1) / (CONTROL - 1);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [dx, dy] = displacementAt(warp, x / step, y / step);
      warped[y * size + x] = sampleBilinear(src, size, x + dx, y + dy);
    }
  }
  return warped;
}

/**
 * Gamma, then contrast about the warped image's mean, clipped to [0, 1]; the whole transform is
 * applyIntensity(warpImage(image, size, t.warp), t). model/adversarial.ts applies the same curve to tensors.
 */
export function applyIntensity(warped: Float32Array, t: Pick<PlausibleTransform, 'gamma' | 'contrast'>): Float32Array {
  let mean = 0;
  for (const v of warped) mean += v;
  mean /= warped.length;
  return warped.map((v) =>
    Math.min(1, Math.max(0, mean + (Math.pow(Math.min(1, Math.max(0, v)), t.gamma) - mean) * t.contrast)),
  );
}

/** The warp's displacement at control-grid coordinates (u, v), bilinear between control points. */
function displacementAt(warp: Float32Array, u: number, v: number): [number, number] {
  const i0 = Math.min(CONTROL - 2, Math.floor(u));
  const j0 = Math.min(CONTROL - 2, Math.floor(v));
  const fu = u - i0;
  const fv = v - j0;
  const out: [number, number] = [0, 0];
  for (const [i, j, w] of [
    [i0, j0, (1 - fu) * (1 - fv)],
    [i0 + 1, j0, fu * (1 - fv)],
    [i0, j0 + 1, (1 - fu) * fv],
    [i0 + 1, j0 + 1, fu * fv],
  ] as const) {
    out[0] += w * warp[2 * (j * CONTROL + i)];
    out[1] += w * warp[2 * (j * CONTROL + i) + 1];
  }
  return out;
}
