/**
 * Exact k nearest neighbours by cosine similarity over a pool's embeddings: one pass over the rows
 * with a k-sized heap, on norms computed once. A query costs N·D multiply-adds (12.8 M for 100k rows
 * of the tiny preset's 128-dimensional embedding) and its recall is 1. Curation uses it below a
 * pool size and an approximate index above (annIndex.ts); `npm run bench -- similarity` measures both.
 */
export interface Neighbour {
  id: number;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

export class CosineIndex {
  readonly method = 'exact';
  readonly size: number;
  private readonly norms: Float64Array;

  constructor(
    private readonly vectors: Float32Array,
    private readonly dim: number,
  ) {
    this.size = vectors.length / dim;
    this.norms = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += vectors[i * dim + d] ** 2;
      this.norms[i] = Math.sqrt(s);
    }
  }

  /** The `k` rows most similar to row `query` (itself excluded), most similar first; ties by lower id. */
  nearest(query: number, k: number): Neighbour[] {
    const { size } = this;
    if (!Number.isInteger(query) || query < 0 || query >= size)
      throw new RangeError(`sample ${query} is not in the pool (0 to ${size - 1})`);
    const heap = new MinHeap(Math.min(k, size - 1));
    for (let i = 0; i < size; i++) if (i !== query) heap.offer(i, this.similarity(query, i));
    return heap.drain();
  }

  /** The `k` nearest of each row from `from` to `to` - 1 (NeighbourSearch, annIndex.ts). */
  nearestOfRows(from: number, to: number, k: number): Neighbour[][] {
    return Array.from({ length: to - from }, (_, i) => this.nearest(from + i, k));
  }

  /** Cosine similarity of rows `a` and `b`; 0 where either is all zeros. */
  similarity(a: number, b: number): number {
    const { vectors, dim, norms } = this;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += vectors[a * dim + d] * vectors[b * dim + d];
    const denominator = norms[a] * norms[b];
    return denominator > 0 ? dot / denominator : 0;
  }
}

/** Most similar first, ties by lower id: the order every neighbour list is given in. */
export function byRank(a: Neighbour, b: Neighbour): number {
  return b.similarity - a.similarity || a.id - b.id;
}

/** Keeps the `capacity` best (similarity, then lower id) of everything offered. */
class MinHeap {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly capacity: number) {}

  offer(id: number, score: number): void {
    if (this.capacity <= 0) return;
    if (this.ids.length < this.capacity) {
      this.ids.push(id);
      this.scores.push(score);
      this.up(this.ids.length - 1);
    } else if (this.better(id, score, 0)) {
      this.ids[0] = id;
      this.scores[0] = score;
      this.down(0);
    }
  }

  drain(): Neighbour[] {
    return this.ids.map((id, i) => ({ id, similarity: this.scores[i] })).sort(byRank);
  }

  /** Whether (id, score) ranks above the entry at slot `at`. */
  private better(id: number, score: number, at: number): boolean {
    return score > this.scores[at] || (score === this.scores[at] && id < this.ids[at]);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(this.ids[parent], this.scores[parent], i)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      let worst = i;
      for (const c of [2 * i + 1, 2 * i + 2]) {
        if (c < this.ids.length && this.better(this.ids[worst], this.scores[worst], c)) worst = c;
      }
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private swap(a: number, b: number): void {
    [this.ids[a], this.ids[b]] = [this.ids[b], this.ids[a]];
    [this.scores[a], this.scores[b]] = [this.scores[b], this.scores[a]];
  }
}
