/**
 * A run's neighbour search over its centred embeddings (the space of the duplicate groups and the
 * uniqueness score), with the HNSW graph kept in the run folder so it is built once per embeddings
 * file: curation/similarity-index.usearch, described by curation/similarity-index.json, which records
 * the embeddings' stamp. After `optidel score` or `optidel embeddings` rewrites them, or the
 * settings change, the graph is stale and is built again.
 *
 * The graph is given to usearch's native reader only after its description matches and the file's
 * size and SHA-256 are the ones written (a damaged file made the reader allocate for half a minute),
 * and is then checked for its row count and dimension; one that fails is built again. The checksum
 * finds damage, not a forgery: a run folder from someone else can hold a crafted graph with its
 * matching description, so its native parsing is as trusted as the rest of the run (docs/curation.md).
 * Writing it is best effort: a read-only run folder still gets its answers, built in memory.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Usearch from 'usearch';
import type { FileStamp, SimilarityIndexInfo } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { readJsonFile, syncFolder, writeJsonAtomic } from '../../shared/node/atomicFile';
import { tempPath } from '../../shared/node/tempFiles';
import { resolveInRun } from '../../shared/run/node/contain';
import { fileStamp, sameStamp } from '../../shared/run/node/fileStamp';
import { centreRows } from '../selection/vectors';
import {
  HNSW_SETTINGS,
  neighbourSearch,
  type GraphStore,
  type NeighbourSearch,
  type NeighbourSearchOptions,
} from './annIndex';

export async function runNeighbourSearch(
  runDir: string,
  embeddings: Float32Array,
  dim: number,
  options: Omit<NeighbourSearchOptions, 'store'> = {},
): Promise<NeighbourSearch> {
  const stamp = await fileStamp(path.join(runDir, ARTIFACTS.embeddings));
  const info: Omit<SimilarityIndexInfo, 'graph'> = {
    version: 1,
    space: 'centred',
    count: embeddings.length / dim,
    dim,
    settings: { ...HNSW_SETTINGS },
    embeddings: stamp,
    createdAt: new Date().toISOString(),
  };
  return neighbourSearch(centreRows(embeddings, dim), dim, {
    ...options,
    store: runGraphStore(runDir, info, options.log),
  });
}

function runGraphStore(
  runDir: string,
  info: Omit<SimilarityIndexInfo, 'graph'>,
  log?: (message: string) => void,
): GraphStore {
  const graphFile = () => resolveInRun(runDir, ARTIFACTS.similarityIndex);
  const infoFile = () => resolveInRun(runDir, ARTIFACTS.similarityIndexInfo);
  return {
    async load(make) {
      let stored: unknown;
      try {
        if (!fs.existsSync(infoFile()) || !fs.existsSync(graphFile())) return undefined;
        stored = await readJsonFile(infoFile());
      } catch (err) {
        log?.(`${ARTIFACTS.similarityIndexInfo} is not readable (${(err as Error).message}); building the index again`);
        return undefined;
      }
      if (!describesSameGraph(stored, info)) return undefined;
      const written = (stored as SimilarityIndexInfo).graph;
      const found = await fileDigest(graphFile()).catch(() => undefined);
      if (found?.bytes !== written?.bytes || found?.sha256 !== written?.sha256) {
        log?.(`${ARTIFACTS.similarityIndex} is not the file that was written (damaged or replaced); building it again`);
        return undefined;
      }
      try {
        const graph = make();
        graph.load(graphFile());
        if (graph.size() === info.count && graph.dimensions() === info.dim) return graph;
        log?.(
          `${ARTIFACTS.similarityIndex} holds ${graph.size()} rows of ${graph.dimensions()}, not ${info.count} of ${info.dim}; building it again`,
        );
      } catch (err) {
        log?.(`${ARTIFACTS.similarityIndex} does not load (${(err as Error).message}); building it again`);
      }
      return undefined;
    },
    async save(graph: Usearch.Index) {
      try {
        // The graph first, the description that says what it is last: a reader never sees a new
        // description beside an old graph.
        const target = graphFile();
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        const temp = tempPath(target);
        let digest: SimilarityIndexInfo['graph'];
        try {
          graph.save(temp);
          digest = await fileDigest(temp);
          await fs.promises.rename(temp, target);
        } finally {
          await fs.promises.rm(temp, { force: true });
        }
        await syncFolder(path.dirname(target));
        await writeJsonAtomic(infoFile(), { ...info, graph: digest });
      } catch (err) {
        log?.(
          `the similarity index could not be kept in ${runDir} (${(err as Error).message}); it is built again next time`,
        );
      }
    },
  };
}

async function fileDigest(file: string): Promise<SimilarityIndexInfo['graph']> {
  const bytes = await fs.promises.readFile(file);
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function describesSameGraph(stored: unknown, wanted: Omit<SimilarityIndexInfo, 'graph'>): boolean {
  if (typeof stored !== 'object' || stored === null) return false;
  const s = stored as Partial<SimilarityIndexInfo>;
  return (
    s.version === wanted.version &&
    s.space === wanted.space &&
    s.count === wanted.count &&
    s.dim === wanted.dim &&
    JSON.stringify(s.settings) === JSON.stringify(wanted.settings) &&
    sameStamp(s.embeddings as FileStamp | undefined, wanted.embeddings)
  );
}
