/**
 * Positions 0..n-1 ordered by `key` ascending, ties by position: what
 * `Array.from(key.keys()).sort((x, y) => key[x] - key[y] || x - y)` gives for keys without NaN
 * (-0 and +0 tie, as there). A stable merge sort on typed arrays, the keys moved with their
 * positions, so no comparator is called: the ball tree sorts every row once per level, and the
 * comparator sort took about a quarter of its build.
 */
export function orderByKey(key: ArrayLike<number>): Int32Array {
  const n = key.length;
  let keys = Float64Array.from(key);
  let positions = new Int32Array(n);
  for (let i = 0; i < n; i++) positions[i] = i;
  for (let start = 0; start < n; start += RUN) insertionSort(keys, positions, start, Math.min(n, start + RUN));
  let spareKeys = new Float64Array(n);
  let sparePositions = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      merge(keys, positions, spareKeys, sparePositions, lo, Math.min(n, lo + width), Math.min(n, lo + 2 * width));
    }
    [keys, spareKeys] = [spareKeys, keys];
    [positions, sparePositions] = [sparePositions, positions];
  }
  return positions;
}

/** Rows sorted by insertion before the merges: short runs are cheaper that way. */
const RUN = 16;

function insertionSort(keys: Float64Array, positions: Int32Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const k = keys[i];
    const p = positions[i];
    let j = i - 1;
    // Strictly greater only: an equal key stays after the earlier position (stability).
    for (; j >= start && keys[j] > k; j--) {
      keys[j + 1] = keys[j];
      positions[j + 1] = positions[j];
    }
    keys[j + 1] = k;
    positions[j + 1] = p;
  }
}

/** Merges the sorted ranges [lo, mid) and [mid, hi) of the first pair of arrays into the same range of the second. */
function merge(
  keys: Float64Array,
  positions: Int32Array,
  outKeys: Float64Array,
  outPositions: Int32Array,
  lo: number,
  mid: number,
  hi: number,
): void {
  let i = lo;
  let j = mid;
  for (let o = lo; o < hi; o++) {
    // The right run's element goes first only when strictly smaller, so ties keep position order.
    if (j < hi && (i >= mid || keys[j] < keys[i])) {
      outKeys[o] = keys[j];
      outPositions[o] = positions[j++];
    } else {
      outKeys[o] = keys[i];
      outPositions[o] = positions[i++];
    }
  }
}
