/**
 * `optidel duplicates --run R`: exact (identical pixels) and near-duplicate groups of the pool, written to
 * curation/duplicates.json; with --exclude-from METHOD, every group's selected members but the first
 * are excluded from that selection by hand curation (the gallery shows and can undo it).
 */
import * as path from 'node:path';
import type { DuplicatesFile } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { SELECTION_METHOD_NAMES, type DuplicatesResult } from '../../shared/commands';
import { writeJsonAtomic } from '../../shared/node/atomicFile';
import { saveManualCuration } from '../../shared/node/manualCuration';
import { resolveInRun } from '../../shared/run/node/contain';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import { DEFAULT_MIN_SIMILARITY, findDuplicates, identicalPixelsOf } from '../curation/duplicates';
import { openCache } from '../data/cache';
import { existingRunDir } from '../model/runSettings';
import { readSelection, readSelectionInput } from '../pipeline/runArtifacts';

export const duplicatesCommand: EngineCommand<'duplicates'> = {
  name: 'duplicates',
  summary:
    'Find exact and near-duplicate groups in the pool (embeddings), and optionally exclude them from a selection',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with score done' },
    {
      name: 'minSimilarity',
      type: 'number',
      description: `cosine similarity of centred embeddings to a group's first member at or above which a sample joins it (default ${DEFAULT_MIN_SIMILARITY})`,
    },
    {
      name: 'excludeFrom',
      type: 'string',
      choices: SELECTION_METHOD_NAMES,
      description:
        "exclude every group's selected members but the first from this selection (hand curation, undoable in the gallery)",
    },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('duplicates', args.run);
    const minSimilarity = args.minSimilarity ?? DEFAULT_MIN_SIMILARITY;
    if (!(minSimilarity > -1 && minSimilarity <= 1))
      throw new UsageError(`duplicates: --min-similarity must be in (-1, 1], got ${minSimilarity}`);
    const input = await readSelectionInput(runDir, (message) => ctx.log('warn', message));
    ctx.progress('duplicates', 0, 2, 'identical pixels');
    const cache = await openCache(runDir);
    const copyOf = await identicalPixelsOf(cache).finally(() => cache.close());
    ctx.progress('duplicates', 1, 2, 'near-duplicates');
    const groups = findDuplicates(input.embeddings, input.dim, copyOf, { minSimilarity });
    const file: DuplicatesFile = {
      version: 1,
      minSimilarity,
      space: 'cosine similarity of the centred, unit-length pooled encoder embeddings (scores/embeddings.f32)',
      groups,
      createdAt: new Date().toISOString(),
    };
    const out = resolveInRun(runDir, ARTIFACTS.duplicates);
    await writeJsonAtomic(out, file);
    ctx.progress('duplicates', 2, 2);
    let excluded: DuplicatesResult['excluded'];
    if (args.excludeFrom) {
      const selection = await readSelection(runDir, args.excludeFrom, input.difficulty.length);
      const chosen = new Set(selection.selected);
      const drop = groups.flatMap((g) => g.members.filter((id) => chosen.has(id)).slice(1));
      const dropped = new Set(drop);
      const include = (selection.manual?.include ?? []).filter((id) => !dropped.has(id));
      const exclude = [...new Set([...(selection.manual?.exclude ?? []), ...drop])];
      await saveManualCuration(runDir, args.excludeFrom, include, exclude);
      excluded = { method: args.excludeFrom, samples: drop.length };
    }
    return {
      groups: groups.length,
      exact: groups.filter((g) => g.kind === 'exact').length,
      identical: groups.reduce((sum, g) => sum + g.identical, 0),
      samplesInGroups: groups.reduce((sum, g) => sum + g.members.length, 0),
      largest: groups[0]?.members.length ?? 0,
      minSimilarity,
      file: path.join(runDir, ARTIFACTS.duplicates),
      ...(excluded ? { excluded } : {}),
    };
  },
  describe(r) {
    return [
      `${r.groups} duplicate groups (${r.exact} of identical images only), ${r.samplesInGroups} samples in them, ${r.identical} of them identical copies, the largest group of ${r.largest}; near-duplicates at similarity >= ${r.minSimilarity}`,
      ...(r.excluded
        ? [`excluded ${r.excluded.samples} selected duplicates from the ${r.excluded.method} selection`]
        : []),
      `wrote ${r.file}`,
    ].join('\n');
  },
};
