/**
 * Colour arithmetic for drawing many points: CSS colour strings to RGBA, RGBA packed into the
 * 32-bit words of an ImageData buffer, and colour look-up tables for continuous values. Pure (no
 * DOM), so tested under Node.
 */
import { interpolateViridis } from 'd3';

export type Rgba = [number, number, number, number];

/** How a scatter plot colours its points (scatterPlot.ts); here so pure code can build one without the DOM. */
export type ScatterColoring =
  /** A category index per point; `muted` categories use the theme's quiet colour (e.g. "not selected"). */
  | { kind: 'category'; values: ArrayLike<number>; labels: readonly string[]; muted?: readonly number[] }
  /** A continuous value per point on a sequential scale (viridis). */
  | { kind: 'value'; values: Float32Array; label: string; domain?: [number, number] };

/** Parses #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(...) and rgba(...); undefined for anything else. */
export function parseCssColor(text: string): Rgba | undefined {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    const h = hex[1]!;
    if (h.length === 3 || h.length === 4) {
      const v = [...h].map((c) => parseInt(c + c, 16));
      return [v[0]!, v[1]!, v[2]!, v[3] ?? 255];
    }
    if (h.length === 6 || h.length === 8) {
      const v = [0, 2, 4, 6].map((i) => (i < h.length ? parseInt(h.slice(i, i + 2), 16) : 255));
      return [v[0]!, v[1]!, v[2]!, v[3]!];
    }
    return undefined;
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(s);
  if (fn) {
    const parts = fn[1]!.split(/[\s,/]+/).filter(Boolean);
    if (parts.length < 3) return undefined;
    const channel = (p: string): number => (p.endsWith('%') ? (parseFloat(p) * 255) / 100 : parseFloat(p));
    const alpha =
      parts[3] === undefined ? 1 : parts[3].endsWith('%') ? parseFloat(parts[3]) / 100 : parseFloat(parts[3]);
    const rgba = [channel(parts[0]!), channel(parts[1]!), channel(parts[2]!), alpha * 255].map((v) =>
      Math.round(Math.min(255, Math.max(0, v))),
    );
    return rgba.some(Number.isNaN) ? undefined : (rgba as Rgba);
  }
  return undefined;
}

/**
 * One pixel as the Uint32 an ImageData's buffer holds on little-endian machines (all that run VS
 * Code): bytes R, G, B, A in memory order.
 */
export function packRgba([r, g, b, a]: Rgba): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export function unpackRgba(word: number): Rgba {
  return [word & 255, (word >>> 8) & 255, (word >>> 16) & 255, (word >>> 24) & 255];
}

export function rgbaToCss([r, g, b, a]: Rgba): string {
  return `rgba(${r}, ${g}, ${b}, ${(a / 255).toFixed(3)})`;
}

/**
 * A 256-entry packed-colour table of a perceptually uniform sequential scale (viridis), from
 * `start` (0: its dark purple end) to its yellow end.
 */
export function sequentialTable(steps = 256, start = 0): Uint32Array {
  const table = new Uint32Array(steps);
  for (let i = 0; i < steps; i++) {
    table[i] = packRgba(parseCssColor(interpolateViridis(start + ((1 - start) * i) / (steps - 1)))!);
  }
  return table;
}

/** WCAG 2's contrast ratio of two opaque colours (1 to 21). */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const luminance = ([r, g, b]: Rgba) =>
    [r, g, b]
      .map((c) => c / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
      .reduce((sum, c, k) => sum + c * [0.2126, 0.7152, 0.0722][k]!, 0);
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * Where the sequential scale must start so that its darkest colour keeps `minimum` contrast with
 * `background` (WCAG's 3:1 for graphics): viridis' dark purple end is 1.4:1 on the high-contrast
 * theme's black, so points with the lowest values would vanish there.
 */
export function sequentialStartFor(background: Rgba, minimum = 3): number {
  for (let i = 0; i <= 100; i++) {
    const t = i / 100;
    if (contrastRatio(parseCssColor(interpolateViridis(t))!, background) >= minimum) return t;
  }
  return 0;
}

/** Maps each value into [0, table.length) by its position in `domain`; NaN and outside values are clamped. */
export function colorsForValues(
  values: ArrayLike<number>,
  domain: readonly [number, number],
  table: Uint32Array,
): Uint32Array {
  const out = new Uint32Array(values.length);
  const [lo, hi] = domain;
  const span = hi > lo ? hi - lo : 1;
  const last = table.length - 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const t = Number.isFinite(v) ? (v - lo) / span : 0;
    out[i] = table[Math.max(0, Math.min(last, Math.round(t * last)))]!;
  }
  return out;
}

/** Category index per point to packed colours, cycling through the palette when categories outnumber it. */
export function colorsForCategories(categories: ArrayLike<number>, palette: readonly number[]): Uint32Array {
  const out = new Uint32Array(categories.length);
  for (let i = 0; i < categories.length; i++) out[i] = palette[categories[i]! % palette.length]!;
  return out;
}

/** Finite minimum and maximum of the values; [0, 1] when there are none. */
export function finiteExtent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [0, 1];
}
