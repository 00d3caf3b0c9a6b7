/**
 * Mosaic synthesis (OPTIDEL.md, generation (a)): every M = 4 selected key patches are stitched into
 * one new 2x2 image at the model's full resolution, each patch crop resized (bilinear) into its
 * quadrant. Patches of one mosaic come from different sources where the selection allows, then
 * from different samples, so a mosaic mixes anatomy rather than repeating one volume. Mosaics are
 * grouped hardest first; every mosaic records the pool sample, key patch and box of each part in
 * reading order (top-left, top-right, bottom-left, bottom-right).
 */
import type { KeyPatch, SynthSample } from '../../shared/artifacts';
import { sampleBilinear } from './bilinear';

/** M: key patches per generated image, a 2x2 mosaic (the paper's). The selector picks M x B patches for B images. */
export const PATCHES_PER_MOSAIC = 4;

export interface MosaicOptions {
  imageSize: number;
  /** Id of the first generated sample (the pool size: generated ids continue after the pool's). */
  firstId: number;
  /** Patches per mosaic, a square number (default 4: a 2x2 grid). */
  patchesPerImage?: number;
}

/**
 * `patches`: the selected key patches; `pixelsOf(sampleId)`: that pool sample's imageSize² pixels;
 * `sources[sampleId]`: its source, for mixing. Leftover patches (fewer than M) make no mosaic.
 */
export function makeMosaics(
  patches: readonly KeyPatch[],
  pixelsOf: (sampleId: number) => Float32Array,
  sources: readonly string[],
  options: MosaicOptions,
): { pixels: Float32Array; samples: SynthSample[] } {
  const m = options.patchesPerImage ?? PATCHES_PER_MOSAIC;
  const side = Math.round(Math.sqrt(m));
  if (side * side !== m) throw new Error(`patches per mosaic must be a square number (4 for 2x2), got ${m}`);
  const size = options.imageSize;
  const groups = groupPatches(patches, m, sources);
  const pixels = new Float32Array(groups.length * size * size);
  const samples: SynthSample[] = groups.map((group, g) => {
    const out = pixels.subarray(g * size * size, (g + 1) * size * size);
    group.forEach((patch, k) => {
      const [x0, x1] = cell(k % side, side, size);
      const [y0, y1] = cell(Math.floor(k / side), side, size);
      resizeBoxInto(pixelsOf(patch.sampleId), size, patch.box, out, size, x0, y0, x1 - x0, y1 - y0);
    });
    return {
      id: options.firstId + g,
      kind: 'mosaic',
      parts: group.map((p) => ({ sampleId: p.sampleId, patchId: p.id, box: p.box })),
      note: `${side}x${side}, reading order`,
    };
  });
  return { pixels, samples };
}

/** Groups of m patches, hardest first, each from distinct sources when possible, else distinct samples, else any. */
export function groupPatches(patches: readonly KeyPatch[], m: number, sources: readonly string[]): KeyPatch[][] {
  const remaining = [...patches].sort((a, b) => (b.difficulty ?? 0) - (a.difficulty ?? 0) || a.id - b.id);
  const groups: KeyPatch[][] = [];
  while (remaining.length >= m) {
    const group = [remaining.shift()!];
    const rules: Array<(p: KeyPatch) => boolean> = [
      (p) => group.every((q) => sources[q.sampleId] !== sources[p.sampleId]),
      (p) => group.every((q) => q.sampleId !== p.sampleId),
      () => true,
    ];
    for (const rule of rules) {
      for (let i = 0; i < remaining.length && group.length < m;) {
        if (rule(remaining[i])) group.push(...remaining.splice(i, 1));
        else i++;
      }
    }
    groups.push(group);
  }
  return groups;
}

/** Start and end pixel of cell `index` of `count` along a side of `size` pixels. */
function cell(index: number, count: number, size: number): [number, number] {
  return [Math.round((index * size) / count), Math.round(((index + 1) * size) / count)];
}

/**
 * Bilinear resize of the box [x, y, w, h] of a square source image into a w2 x h2 window of `out`
 * at (ox, oy). Sample points span the box's pixel centres edge to edge (as tf.image.cropAndResize
 * does with boxes of (side - 1) units), so a box of the window's size is copied exactly.
 */
export function resizeBoxInto(
  src: Float32Array,
  srcSize: number,
  box: readonly [number, number, number, number],
  out: Float32Array,
  outSize: number,
  ox: number,
  oy: number,
  w2: number,
  h2: number,
): void {
  const [bx, by, bw, bh] = box;
  for (let j = 0; j < h2; j++) {
    const sy = by + (h2 > 1 ? (j * (bh - 1)) / (h2 - 1) : (bh - 1) / 2);
    for (let i = 0; i < w2; i++) {
      const sx = bx + (w2 > 1 ? (i * (bw - 1)) / (w2 - 1) : (bw - 1) / 2);
      out[(oy + j) * outSize + ox + i] = sampleBilinear(src, srcSize, sx, sy);
    }
  }
}
