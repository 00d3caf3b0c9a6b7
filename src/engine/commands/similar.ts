/**
 * `optidel similar --run R --sample ID`: the pool samples nearest to one sample in embedding space,
 * by cosine similarity of the centred embeddings (the space of the duplicate groups and uniqueness),
 * exact on small pools and through the run's HNSW graph on large ones (curation/runIndex.ts).
 */
import type { CacheSample } from '../../shared/artifacts';
import type { SimilarResult } from '../../shared/commands';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import { runNeighbourSearch } from '../curation/runIndex';
import { readSelectionInput } from '../pipeline/runArtifacts';
import { readCacheIndex } from '../data/cache';

export const similarCommand: EngineCommand<'similar'> = {
  name: 'similar',
  summary:
    'Find the pool samples most similar to one sample (cosine similarity of the centred embeddings; an approximate index on large pools)',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with score done' },
    {
      name: 'sample',
      type: 'integer',
      required: true,
      description: 'sample id (as in the gallery and cache/index.json)',
    },
    { name: 'k', type: 'integer', description: 'neighbours to return (default 10)' },
  ],
  async run(args, ctx) {
    const k = args.k ?? 10;
    if (k < 1) throw new UsageError(`similar: --k must be at least 1, got ${k}`);
    const [input, cache] = await Promise.all([
      readSelectionInput(args.run, (message) => ctx.log('warn', message)),
      readCacheIndex(args.run),
    ]);
    const size = cache.samples.length;
    if (args.sample < 0 || args.sample >= size)
      throw new UsageError(`similar: --sample ${args.sample} is not in the pool of ${args.run} (ids 0 to ${size - 1})`);
    const index = await runNeighbourSearch(args.run, input.embeddings, input.dim, {
      log: (message) => ctx.log('warn', message),
    });
    const where = (s: CacheSample) => ({ source: s.source, slice: s.slice, axis: s.axis, frame: s.frame });
    return {
      sample: { id: args.sample, ...where(cache.samples[args.sample]) },
      neighbours: index.nearest(args.sample, k).map((n) => ({ ...n, ...where(cache.samples[n.id]) })),
    };
  },
  describe(r: SimilarResult) {
    const place = (s: SimilarResult['sample']) =>
      `${s.source}${s.slice !== undefined ? ` slice ${s.slice}` : ''}${s.frame !== undefined ? ` frame ${s.frame}` : ''}`;
    return [
      `sample ${r.sample.id}: ${place(r.sample)}`,
      ...r.neighbours.map((n) => `  ${n.similarity.toFixed(4)}  #${n.id}  ${place(n)}`),
    ].join('\n');
  },
};
