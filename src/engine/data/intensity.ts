/**
 * Mapping real intensities to [0, 1], chosen once per source and recorded in its provenance:
 * - CT: a window (level/width in Hounsfield units) from the config, else the DICOM header, else
 *   a soft-tissue window;
 * - other scalar data (MRI, PET, 16-bit images): robust percentiles of the whole source, so one
 *   hot voxel does not darken every slice;
 * - 8-bit images: plain division by 255.
 * In `auto` mode a NIfTI volume counts as CT when it looks like Hounsfield units: integer values
 * with air near -1000 and nothing implausibly bright.
 */
import type { IntensitySettings } from '../../shared/config';
import { CONFIG_DEFAULTS } from '../../shared/config';

export interface IntensityMapping {
  low: number;
  high: number;
  /** For provenance, e.g. "ct-window L40 W400". */
  label: string;
}

export interface SourceFacts {
  modality?: string;
  headerWindow?: { level: number; width: number };
  eightBit?: boolean;
  /** A sample of the source's real values (any order), for percentiles and the CT test. */
  sample: Float32Array;
}

export function chooseIntensity(settings: IntensitySettings | undefined, facts: SourceFacts): IntensityMapping {
  const mode = settings?.mode ?? 'auto';
  if (mode === 'ct' || (mode === 'auto' && !facts.eightBit && looksLikeCt(facts))) {
    // A file's own window is data: width 0 would divide by zero, NaN would make every pixel NaN.
    const header = facts.headerWindow;
    const usable = header && Number.isFinite(header.level) && Number.isFinite(header.width) && header.width > 0;
    const window = settings?.window ?? (usable ? header : undefined) ?? CONFIG_DEFAULTS.ctWindow;
    return {
      low: window.level - window.width / 2,
      high: window.level + window.width / 2,
      label: `ct-window L${round(window.level)} W${round(window.width)}`,
    };
  }
  if (mode === 'auto' && facts.eightBit) return { low: 0, high: 255, label: '8-bit' };
  const sorted = Float32Array.from(facts.sample).sort();
  if (mode === 'minmax') return widen({ low: sorted[0] ?? 0, high: sorted[sorted.length - 1] ?? 1, label: 'minmax' });
  const [pLow, pHigh] = settings?.percentiles ?? CONFIG_DEFAULTS.percentiles;
  return widen({
    low: quantile(sorted, pLow / 100),
    high: quantile(sorted, pHigh / 100),
    label: `percentile ${pLow}-${pHigh}`,
  });
}

function looksLikeCt(facts: SourceFacts): boolean {
  if (facts.modality !== undefined) return facts.modality.toUpperCase() === 'CT';
  const s = facts.sample;
  if (s.length === 0) return false;
  let min = Infinity;
  let max = -Infinity;
  let integers = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (Number.isInteger(v)) integers++;
  }
  return integers > 0.99 * s.length && min <= -900 && min >= -3100 && max <= 5000;
}

/** A constant source would divide by zero: give it a unit range so it maps to 0 (and is skipped as empty). */
function widen(m: IntensityMapping): IntensityMapping {
  return m.high > m.low ? m : { ...m, high: m.low + 1 };
}

/** Linear interpolation between order statistics of an ascending array. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - frac) + sorted[i + 1] * frac : sorted[i];
}

/** Maps `values` in place to [0, 1]. */
export function applyIntensity(values: Float32Array, mapping: IntensityMapping): void {
  const scale = 1 / (mapping.high - mapping.low);
  const low = mapping.low;
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] - low) * scale;
    values[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

/** Up to `limit` values spread evenly over `count` (a strided sample keeps percentiles cheap on big volumes). */
export function strideSample(count: number, limit: number, valueAt: (i: number) => number): Float32Array {
  const step = Math.max(1, Math.floor(count / limit));
  const out = new Float32Array(Math.ceil(count / step));
  for (let i = 0, o = 0; i < count; i += step) out[o++] = valueAt(i);
  return out;
}

/** A slice counts as empty when almost all of it is background (mapped value near 0) or it is flat. */
export function isEmptySlice(pixels: Float32Array, emptyFraction: number): boolean {
  let foreground = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (v > 0.1) foreground++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min < 1e-3 || foreground < emptyFraction * pixels.length;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
