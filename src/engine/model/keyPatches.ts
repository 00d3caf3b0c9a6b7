/**
 * Our default key-patch proposer, standing in for the paper's Segment Anything crops (whose
 * weights are not available offline): per image, the windows of about half the image side whose
 * patches are hardest for the foundation model (under the run's difficulty score), counting only foreground, as far as possible
 * not overlapping each other.
 */
export interface ProposerOptions {
  /** Windows per image (the paper: about two). */
  perImage: number;
  /** Window side as a fraction of the image side (the paper: about half). */
  windowFraction: number;
  /** A pixel is foreground above this fraction of the image's maximum (and above 0.02). */
  foregroundLevel?: number;
  /** Windows with less foreground than this fraction are taken only when no other is left. */
  minForeground?: number;
}

export const DEFAULT_PROPOSER: Required<ProposerOptions> = {
  perImage: 2,
  windowFraction: 0.5,
  foregroundLevel: 0.1,
  minForeground: 0.25,
};

export type Box = [number, number, number, number];

/**
 * Boxes (pixels of the cached sample, aligned to the patch grid) for one image, best first.
 * `errors` is the image's per-patch difficulty map (grid x grid, raster order).
 */
export function proposeWindows(
  pixels: Float32Array,
  errors: Float32Array,
  imageSize: number,
  grid: number,
  options: ProposerOptions,
): Box[] {
  const o = { ...DEFAULT_PROPOSER, ...options };
  const patch = imageSize / grid;
  const side = Math.max(1, Math.min(grid, Math.round(o.windowFraction * grid)));
  const foreground = patchForeground(pixels, imageSize, grid, o.foregroundLevel);
  // Difficulty maps may be signed (pvi): measured from the image's easiest patch when it is below 0,
  // no foreground patch lowers a window's score, as with the non-negative error maps.
  const floor = errors.reduce((a, b) => Math.min(a, b), 0);
  const candidates: Array<{ row: number; col: number; score: number; fg: number }> = [];
  for (let row = 0; row + side <= grid; row++) {
    for (let col = 0; col + side <= grid; col++) {
      let score = 0;
      let fg = 0;
      for (let r = row; r < row + side; r++) {
        for (let c = col; c < col + side; c++) {
          score += (errors[r * grid + c] - floor) * foreground[r * grid + c];
          fg += foreground[r * grid + c];
        }
      }
      candidates.push({ row, col, score, fg: fg / (side * side) });
    }
  }
  const chosen: typeof candidates = [];
  while (chosen.length < o.perImage && chosen.length < candidates.length) {
    // Least overlap with the windows already chosen first, then enough foreground, then highest error.
    let best: (typeof candidates)[number] | undefined;
    let bestKey: [number, number, number] = [Infinity, Infinity, -Infinity];
    for (const c of candidates) {
      if (chosen.includes(c)) continue;
      const overlap = chosen.reduce((s, w) => s + overlapArea(c, w, side), 0);
      const key: [number, number, number] = [overlap, c.fg >= o.minForeground ? 0 : 1, c.score];
      if (
        key[0] < bestKey[0] ||
        (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))
      ) {
        best = c;
        bestKey = key;
      }
    }
    chosen.push(best!);
  }
  return chosen.map((c) => [c.col * patch, c.row * patch, side * patch, side * patch]);
}

function overlapArea(a: { row: number; col: number }, b: { row: number; col: number }, side: number): number {
  const w = Math.max(0, side - Math.abs(a.col - b.col));
  const h = Math.max(0, side - Math.abs(a.row - b.row));
  return w * h;
}

/** Fraction of each patch's pixels that are foreground (brighter than a fraction of the image maximum). */
export function patchForeground(pixels: Float32Array, imageSize: number, grid: number, level: number): Float32Array {
  let max = 0;
  for (let i = 0; i < imageSize * imageSize; i++) if (pixels[i] > max) max = pixels[i];
  const threshold = Math.max(0.02, level * max);
  const patch = imageSize / grid;
  const out = new Float32Array(grid * grid);
  for (let y = 0; y < imageSize; y++) {
    for (let x = 0; x < imageSize; x++) {
      if (pixels[y * imageSize + x] > threshold)
        out[Math.floor(y / patch) * grid + Math.floor(x / patch)] += 1 / (patch * patch);
    }
  }
  return out;
}
