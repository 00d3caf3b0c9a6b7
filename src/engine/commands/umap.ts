/** `optidel umap --run R`: a seeded UMAP of the pool's embeddings -> scores/umap.f32, the embedding map's second layout. */
import * as path from 'node:path';
import { ARTIFACTS } from '../../shared/artifacts';
import { writeFileAtomic } from '../../shared/node/atomicFile';
import { resolveInRun } from '../../shared/run/node/contain';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import { umapLayout } from '../curation/umap';
import { existingRunDir } from '../model/runSettings';
import { budgetAndSeed, runRecordOrUndefined } from '../pipeline/stageSettings';
import { readSelectionInput } from '../pipeline/runArtifacts';

export const umapCommand: EngineCommand<'umap'> = {
  name: 'umap',
  summary: "Lay the pool out with UMAP (seeded) beside the score stage's PCA, for the embedding map",
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with score done' },
    { name: 'neighbors', type: 'integer', description: 'neighbours per sample in the UMAP graph (default 15)' },
    { name: 'minDist', type: 'number', description: 'how tightly samples may pack in the layout (default 0.1)' },
    { name: 'seed', type: 'integer', description: 'seed (default: the config seed)' },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('umap', args.run);
    if (args.neighbors !== undefined && args.neighbors < 2)
      throw new UsageError(`umap: --neighbors must be at least 2, got ${args.neighbors}`);
    if (args.minDist !== undefined && !(args.minDist >= 0))
      throw new UsageError(`umap: --min-dist must be 0 or more, got ${args.minDist}`);
    const { seed } = budgetAndSeed(await runRecordOrUndefined(runDir), args);
    const input = await readSelectionInput(runDir, (message) => ctx.log('warn', message));
    const started = performance.now();
    ctx.progress('umap', 0, 1, 'nearest-neighbour graph');
    const layout = await umapLayout(input.embeddings, input.dim, {
      seed,
      neighbors: args.neighbors,
      minDist: args.minDist,
      signal: ctx.signal,
      onProgress: (epoch, epochs) => ctx.progress('umap', epoch, epochs, 'optimising the layout'),
    });
    const file = resolveInRun(runDir, ARTIFACTS.umap);
    await writeFileAtomic(file, new Uint8Array(layout.buffer, layout.byteOffset, layout.byteLength));
    return {
      samples: layout.length / 2,
      seed,
      seconds: (performance.now() - started) / 1000,
      file: path.join(runDir, ARTIFACTS.umap),
    };
  },
  describe(r) {
    return `UMAP of ${r.samples} samples (seed ${r.seed}) in ${r.seconds.toFixed(1)} s\nwrote ${r.file}`;
  },
};
