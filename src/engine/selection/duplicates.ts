/** Exact duplicate rows (bit-identical embeddings, as identical images give), found by hashing. */

/** For each row, the first earlier row with identical bits, or -1. */
export function exactDuplicateOf(vectors: Float32Array, dim: number): Int32Array {
  const n = vectors.length / dim;
  const bits = new Uint32Array(vectors.buffer, vectors.byteOffset, vectors.length);
  // The first copy of each distinct row in an open-addressing table of typed arrays (linear
  // probing, at most half full), not a Map from hash to row: at 10M rows the Map alone filled the
  // rest of Node's default 4 GiB heap as it grew, and no Map holds more than 2^24 entries.
  let capacity = 2;
  while (capacity < 2 * n) capacity *= 2;
  const mask = capacity - 1;
  const firstCopy = new Int32Array(capacity).fill(-1);
  const hashAt = new Int32Array(capacity);
  const duplicateOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let d = 0; d < dim; d++) h = Math.imul(h ^ bits[i * dim + d], 0x01000193);
    for (let slot = spread(h) & mask; ; slot = (slot + 1) & mask) {
      const j = firstCopy[slot];
      if (j < 0) {
        firstCopy[slot] = i;
        hashAt[slot] = h;
        break;
      }
      if (hashAt[slot] === h && sameRow(bits, i, j, dim)) {
        duplicateOf[i] = j;
        break;
      }
    }
  }
  return duplicateOf;
}

/**
 * Every bit of an FNV-1a hash moved into its low bits (murmur3's finaliser): FNV's low bits depend
 * only on the words' low bits, which are all zero in values such as 0.5 or 2, and the table's slot
 * is taken from the low bits.
 */
function spread(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function sameRow(bits: Uint32Array, i: number, j: number, dim: number): boolean {
  for (let d = 0; d < dim; d++) if (bits[i * dim + d] !== bits[j * dim + d]) return false;
  return true;
}
