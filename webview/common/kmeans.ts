/**
 * Deterministic k-means on 2D points (the projection), for "colour by cluster": k-means++ seeding
 * from a fixed seed, then Lloyd iterations. Pure; 100k points x 8 clusters x 20 iterations is a few
 * tens of milliseconds.
 */
export function kmeans2d(
  xy: Float32Array,
  k: number,
  options: { iterations?: number; seed?: number } = {},
): Uint8Array {
  const n = xy.length / 2;
  const labels = new Uint8Array(n);
  if (n === 0) return labels;
  k = Math.max(1, Math.min(k, n, 255));
  let state = (options.seed ?? 1) >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const centres = new Float64Array(k * 2);
  const first = Math.floor(random() * n);
  centres[0] = xy[2 * first]!;
  centres[1] = xy[2 * first + 1]!;
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = (xy[2 * i]! - centres[2 * c - 2]!) ** 2 + (xy[2 * i + 1]! - centres[2 * c - 1]!) ** 2;
      if (d < nearest[i]!) nearest[i] = d;
      total += nearest[i]!;
    }
    let target = random() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i]!;
      if (target <= 0) {
        pick = i;
        break;
      }
    }
    centres[2 * c] = xy[2 * pick]!;
    centres[2 * c + 1] = xy[2 * pick + 1]!;
  }
  const sums = new Float64Array(k * 2);
  const counts = new Uint32Array(k);
  for (let iter = 0; iter < (options.iterations ?? 20); iter++) {
    let moved = 0;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i]!,
        y = xy[2 * i + 1]!;
      let best = 0,
        bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = (x - centres[2 * c]!) ** 2 + (y - centres[2 * c + 1]!) ** 2;
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (labels[i] !== best || iter === 0) moved++;
      labels[i] = best;
      sums[2 * best]! += x;
      sums[2 * best + 1]! += y;
      counts[best]!++;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c]) {
        centres[2 * c] = sums[2 * c]! / counts[c]!;
        centres[2 * c + 1] = sums[2 * c + 1]! / counts[c]!;
      }
    }
    if (moved === 0) break;
  }
  return labels;
}
