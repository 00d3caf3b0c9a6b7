/** Exact duplicate rows (bit-identical embeddings, as identical images give), found by hashing. */

/** For each row, the first earlier row with identical bits, or -1. */
export function exactDuplicateOf(vectors: Float32Array, dim: number): Int32Array {
  const n = vectors.length / dim;
  const bits = new Uint32Array(vectors.buffer, vectors.byteOffset, vectors.length);
  // Distinct rows chained by hash in typed arrays, not one array per hash: at a million rows the
  // arrays alone held about 100 MiB.
  const firstByHash = new Map<number, number>();
  const nextSameHash = new Int32Array(n).fill(-1);
  const duplicateOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let d = 0; d < dim; d++) h = Math.imul(h ^ bits[i * dim + d], 0x01000193);
    let j = firstByHash.get(h) ?? -1;
    if (j < 0) {
      firstByHash.set(h, i);
      continue;
    }
    for (;;) {
      if (sameRow(bits, i, j, dim)) {
        duplicateOf[i] = j;
        break;
      }
      if (nextSameHash[j] < 0) {
        nextSameHash[j] = i;
        break;
      }
      j = nextSameHash[j];
    }
  }
  return duplicateOf;
}

function sameRow(bits: Uint32Array, i: number, j: number, dim: number): boolean {
  for (let d = 0; d < dim; d++) if (bits[i * dim + d] !== bits[j * dim + d]) return false;
  return true;
}
