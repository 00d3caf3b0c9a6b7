/**
 * Resizing to the model's square resolution with the physical aspect kept: the image is scaled to
 * fit and centred, the rest padded with 0 (background). Intensities are resampled with a
 * triangle filter whose support widens when shrinking (so shrinking averages instead of aliasing);
 * label maps use nearest neighbour so no label value is ever invented.
 */

export interface Placement {
  /** Size of the image content inside the square, and its top-left corner. */
  width: number;
  height: number;
  left: number;
  top: number;
}

/** Where a width x height image with pixels of the given physical size lands in a size x size square. */
export function placeInSquare(
  width: number,
  height: number,
  size: number,
  pixelSpacing: [number, number] = [1, 1],
): Placement {
  const physW = width * pixelSpacing[0];
  const physH = height * pixelSpacing[1];
  const scale = size / Math.max(physW, physH);
  const w = Math.max(1, Math.min(size, Math.round(physW * scale)));
  const h = Math.max(1, Math.min(size, Math.round(physH * scale)));
  return { width: w, height: h, left: Math.floor((size - w) / 2), top: Math.floor((size - h) / 2) };
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  maxTaps: number;
}

const tapsCache = new Map<string, Taps>();

/** Filter taps for resampling n source pixels to m (separable, one axis); a pool repeats a few sizes, so they are kept. */
function taps(n: number, m: number): Taps {
  const key = `${n}>${m}`;
  let cached = tapsCache.get(key);
  if (!cached) {
    if (tapsCache.size > 64) tapsCache.clear();
    cached = computeTaps(n, m);
    tapsCache.set(key, cached);
  }
  return cached;
}

function computeTaps(n: number, m: number): Taps {
  const scale = n / m;
  const support = Math.max(1, scale);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(m);
  const count = new Int32Array(m);
  const weights = new Float32Array(m * maxTaps);
  for (let o = 0; o < m; o++) {
    const center = (o + 0.5) * scale - 0.5;
    const lo = Math.max(0, Math.ceil(center - support));
    const hi = Math.min(n - 1, Math.floor(center + support));
    let total = 0;
    let k = 0;
    for (let s = lo; s <= hi && k < maxTaps; s++, k++) {
      const w = Math.max(0, 1 - Math.abs(s - center) / support);
      weights[o * maxTaps + k] = w;
      total += w;
    }
    if (total <= 0) {
      // Degenerate (single source pixel): take the nearest.
      weights[o * maxTaps] = 1;
      start[o] = Math.min(n - 1, Math.max(0, Math.round(center)));
      count[o] = 1;
      continue;
    }
    for (let j = 0; j < k; j++) weights[o * maxTaps + j] /= total;
    start[o] = lo;
    count[o] = k;
  }
  return { start, count, weights, maxTaps };
}

/** Resizes a row-major image into `out` (size x size, zero padded), keeping the physical aspect. */
export function resizeIntoSquare(
  src: Float32Array,
  width: number,
  height: number,
  size: number,
  out: Float32Array,
  pixelSpacing: [number, number] = [1, 1],
): Placement {
  const place = placeInSquare(width, height, size, pixelSpacing);
  out.fill(0);
  const tx = taps(width, place.width);
  const ty = taps(height, place.height);
  // Horizontal pass into a height x place.width buffer, then vertical straight into `out`.
  const mid = new Float32Array(height * place.width);
  for (let r = 0; r < height; r++) {
    const row = r * width;
    for (let o = 0; o < place.width; o++) {
      let acc = 0;
      const base = o * tx.maxTaps;
      const s0 = row + tx.start[o];
      for (let k = 0; k < tx.count[o]; k++) acc += src[s0 + k] * tx.weights[base + k];
      mid[r * place.width + o] = acc;
    }
  }
  // Row by row (source rows outer, pixels inner): sequential memory access in both buffers.
  const w = place.width;
  for (let o = 0; o < place.height; o++) {
    const base = o * ty.maxTaps;
    const dst = (place.top + o) * size + place.left;
    for (let k = 0; k < ty.count[o]; k++) {
      const weight = ty.weights[base + k];
      const src = (ty.start[o] + k) * w;
      for (let c = 0; c < w; c++) out[dst + c] += mid[src + c] * weight;
    }
  }
  return place;
}

/** Nearest-neighbour resize of a label map with the same placement as its image. */
export function resizeLabelsIntoSquare(
  src: ArrayLike<number>,
  width: number,
  height: number,
  size: number,
  out: Uint8Array | Int32Array,
  pixelSpacing: [number, number] = [1, 1],
): Placement {
  const place = placeInSquare(width, height, size, pixelSpacing);
  out.fill(0);
  for (let o = 0; o < place.height; o++) {
    const r = Math.min(height - 1, Math.floor(((o + 0.5) * height) / place.height));
    const dst = (place.top + o) * size + place.left;
    for (let c = 0; c < place.width; c++) {
      const s = Math.min(width - 1, Math.floor(((c + 0.5) * width) / place.width));
      out[dst + c] = src[r * width + s];
    }
  }
  return place;
}
