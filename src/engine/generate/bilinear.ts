/** Bilinear sampling of a square single-channel image, shared by the mosaics' resize and the elastic warp. */

/** Bilinear interpolation of a square image at (x, y) in pixel units, edges clamped. */
export function sampleBilinear(src: Float32Array, size: number, x: number, y: number): number {
  const at = (i: number, j: number) =>
    src[Math.min(size - 1, Math.max(0, j)) * size + Math.min(size - 1, Math.max(0, i))];
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
  const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}
