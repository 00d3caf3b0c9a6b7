/**
 * Nearest neighbours for curation (`optidel similar`, uniqueness in `optidel sample-scores`): exact
 * below EXACT_BELOW samples, an approximate HNSW graph (the `usearch` package, prebuilt native
 * binaries) above. Both rank by cosine similarity, and both report the similarity of every returned
 * neighbour computed exactly from the rows (CosineIndex.similarity), so the two paths differ only in
 * which neighbours a query may miss, never in the numbers shown for them.
 *
 * usearch is loaded on first use, not with the engine: a platform without its binary (or a package
 * built without it) still runs every command, with exact search and one log line saying why.
 */
import type * as Usearch from 'usearch';
import { byRank, CosineIndex, type Neighbour } from './nearest';

/**
 * Below this many samples search is exact (recall 1). What decides it is uniqueness, one query per
 * sample, whose exact cost grows with N²: on a shared 2-core machine (load average 7.5) it took
 * 0.21 s at 1,000 samples of 128 dimensions against 0.13 s through a graph built for it, 0.64 s
 * against 0.26 s at 2,000 and 4.9 s against 0.87 s at 5,000 (`npm run bench -- similarity`,
 * docs/curation.md). Below 1,000 a graph saves a fraction of a second and gives up recall; a single
 * `optidel similar` query is well under a millisecond exact there.
 */
export const EXACT_BELOW = 1_000;

/** HNSW settings: usearch's defaults for connectivity and construction, a wider search for recall. */
export const HNSW_SETTINGS = { metric: 'cos', connectivity: 16, expansionAdd: 128, expansionSearch: 128 } as const;

export interface NeighbourSearch {
  readonly method: 'exact' | 'hnsw';
  readonly size: number;
  /** The `k` rows most similar to row `query` (itself excluded), most similar first; ties by lower id. */
  nearest(query: number, k: number): Neighbour[];
  /** The `k` nearest of each row from `from` to `to` - 1, in one call (the graph searches them on all cores). */
  nearestOfRows(from: number, to: number, k: number): Neighbour[][];
}

export type UsearchModule = typeof Usearch;

export interface NeighbourSearchOptions {
  /** Exact below this many rows (default EXACT_BELOW). */
  exactBelow?: number;
  /** Where the graph is kept between runs (runIndex.ts); without it the graph is built in memory. */
  store?: GraphStore;
  /** One line when the native index cannot be used. */
  log?: (message: string) => void;
  /** How usearch is loaded; a test passes one that fails as a missing binary does. */
  loadUsearch?: () => Promise<UsearchModule>;
}

/** Reads and writes a built graph; `load` answers undefined when there is none for these rows. */
export interface GraphStore {
  load(make: () => Usearch.Index): Promise<Usearch.Index | undefined>;
  save(index: Usearch.Index): Promise<void>;
}

export async function neighbourSearch(
  vectors: Float32Array,
  dim: number,
  options: NeighbourSearchOptions = {},
): Promise<NeighbourSearch> {
  const exact = new CosineIndex(vectors, dim);
  if (exact.size < (options.exactBelow ?? EXACT_BELOW)) return exact;
  let usearch: UsearchModule;
  try {
    usearch = await (options.loadUsearch ?? defaultLoad)();
  } catch (err) {
    options.log?.(
      `the approximate index (usearch) could not be loaded (${(err as Error).message.split('\n')[0]}); searching ${exact.size} samples exactly, which is slower`,
    );
    return exact;
  }
  const make = () =>
    new usearch.Index({
      dimensions: dim,
      metric: usearch.MetricKind.Cos,
      quantization: usearch.ScalarKind.F32,
      connectivity: HNSW_SETTINGS.connectivity,
      expansion_add: HNSW_SETTINGS.expansionAdd,
      expansion_search: HNSW_SETTINGS.expansionSearch,
      multi: false,
    });
  let graph = await options.store?.load(make);
  if (!graph) {
    graph = make();
    graph.add(
      BigUint64Array.from({ length: exact.size }, (_, i) => BigInt(i)),
      vectors,
    );
    await options.store?.save(graph);
  }
  return new HnswSearch(graph, vectors, dim, exact);
}

async function defaultLoad(): Promise<UsearchModule> {
  return import('usearch');
}

class HnswSearch implements NeighbourSearch {
  readonly method = 'hnsw';
  readonly size: number;

  constructor(
    private readonly graph: Usearch.Index,
    private readonly vectors: Float32Array,
    private readonly dim: number,
    private readonly exact: CosineIndex,
  ) {
    this.size = exact.size;
  }

  nearest(query: number, k: number): Neighbour[] {
    return this.nearestOfRows(query, query + 1, k)[0]!;
  }

  nearestOfRows(from: number, to: number, k: number): Neighbour[][] {
    for (const row of [from, to - 1])
      if (!Number.isInteger(row) || row < 0 || row >= this.size)
        throw new RangeError(`sample ${row} is not in the pool (0 to ${this.size - 1})`);
    const want = Math.min(k, this.size - 1);
    if (want <= 0) return Array.from({ length: to - from }, () => []);
    // One more than asked: the query row finds itself (or an identical copy ranks above it).
    const asked = Math.min(want + 1, this.size);
    const rows = this.vectors.subarray(from * this.dim, to * this.dim);
    // One query answers a Matches of what was found; a batch, `asked` keys per query, padded after its count.
    const matches: { keys: BigUint64Array; counts?: BigUint64Array } = this.graph.search(rows, asked, 0);
    const count = (q: number) => (matches.counts ? Number(matches.counts[q]) : matches.keys.length);
    return Array.from({ length: to - from }, (_, q) => {
      const query = from + q;
      const found: Neighbour[] = [];
      for (let j = 0; j < count(q); j++) {
        const id = Number(matches.keys[q * asked + j]);
        if (id !== query) found.push({ id, similarity: this.exact.similarity(query, id) });
      }
      return found.sort(byRank).slice(0, want);
    });
  }
}
