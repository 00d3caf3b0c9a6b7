/** `optidel synthesize --run RUN_DIR [--method NAME]`: a selection's compact set (hand curation applied) -> synth/. */
import * as path from 'node:path';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import { OPTIDEL_IMAGES, SELECTION_METHOD_NAMES } from '../../shared/commands';
import { ARTIFACTS } from '../../shared/artifacts';
import { selectBackend } from '../backends/select';
import { openCache } from '../data/cache';
import { existingRunDir } from '../model/runSettings';
import { runStage } from '../runStage';
import { lastSelectedMethod, readSelection, readSelectionInput } from '../pipeline/runArtifacts';
import { budgetAndSeed, loadFoundation, runRecordOrUndefined } from '../pipeline/stageSettings';
import { compactSetSize, DEFAULT_ADVERSARIAL } from '../pipeline/compactSet';
import { synthesizeStage } from '../pipeline/synthesizeStage';

export const synthesizeCommand: EngineCommand<'synthesize'> = {
  name: 'synthesize',
  summary:
    "Build a selection's compact set: 2x2 mosaics of its key patches (B images for a budget of B), a fraction hardened adversarially",
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with select done' },
    {
      name: 'method',
      type: 'string',
      choices: SELECTION_METHOD_NAMES,
      description: 'the selection to generate from (default: the last one selected)',
    },
    { name: 'seed', type: 'integer', description: 'seed (default: the config seed)' },
    {
      name: 'images',
      type: 'string',
      choices: OPTIDEL_IMAGES,
      description:
        'what a key-patch selection trains on: its mosaics (default), mosaics+selected (the source images too, counted), or the selected images alone',
    },
    {
      name: 'adversarialFraction',
      type: 'number',
      description: `fraction of the compact set hardened in place (default ${DEFAULT_ADVERSARIAL.fraction}; 0 turns it off)`,
    },
    {
      name: 'adversarialCandidates',
      type: 'integer',
      description: `plausible transforms (gamma, contrast, elastic warp) tried per hardened image (default ${DEFAULT_ADVERSARIAL.candidates})`,
    },
    {
      name: 'epsilon',
      type: 'number',
      description: `L-infinity bound of an extra pixel step (default ${DEFAULT_ADVERSARIAL.epsilon}: off; on normalised patches it mostly adds noise to flat regions)`,
    },
    {
      name: 'adversarialSteps',
      type: 'integer',
      description: `gradient ascent steps on gamma and contrast, and on pixels when --epsilon > 0 (default ${DEFAULT_ADVERSARIAL.steps})`,
    },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('synthesize', args.run);
    const record = await runRecordOrUndefined(runDir);
    const method = args.method ?? lastSelectedMethod(record?.stages.select?.summary);
    if (!method)
      throw new UsageError(
        `synthesize: no selection in ${runDir} yet; run "optidel select --run ${args.run} --method NAME" or pass --method`,
      );
    const { seed } = budgetAndSeed(record, args);
    const adversarial = {
      ...DEFAULT_ADVERSARIAL,
      ...(args.adversarialFraction !== undefined ? { fraction: args.adversarialFraction } : {}),
      ...(args.adversarialCandidates !== undefined ? { candidates: args.adversarialCandidates } : {}),
      ...(args.epsilon !== undefined ? { epsilon: args.epsilon } : {}),
      ...(args.adversarialSteps !== undefined ? { steps: args.adversarialSteps } : {}),
    };
    if (!(adversarial.fraction >= 0 && adversarial.fraction <= 1))
      throw new UsageError('synthesize: --adversarial-fraction must be between 0 and 1');
    const { backend } = await selectBackend(ctx.backendPreference);
    const result = await runStage(runDir, 'synthesize', ctx, backend, async () => {
      const cache = await openCache(runDir);
      const selection = await readSelection(runDir, method, cache.size);
      const input = await readSelectionInput(runDir);
      const model = adversarial.fraction > 0 ? await loadFoundation(runDir) : undefined;
      if (adversarial.fraction > 0 && !model)
        ctx.log('warn', 'synthesize: no foundation model (checkpoints/pretrain): adversarial samples skipped');
      try {
        const synth = await synthesizeStage(
          runDir,
          selection,
          input.keyPatches ?? [],
          input.sources,
          cache,
          model,
          { seed, adversarial, images: args.images },
          ctx,
        );
        return {
          result: synth,
          summary: {
            method,
            images: compactSetSize(synth.set),
            mosaics: synth.mosaics,
            adversarial: synth.adversarial,
          },
        };
      } finally {
        model?.dispose();
        await cache.close();
      }
    });
    return {
      method,
      images: compactSetSize(result.set),
      pool: result.set.ids.length,
      mosaics: result.mosaics,
      ...(result.set.hardening ? { hardening: result.set.hardening } : {}),
      adversarial: result.adversarial,
      file: path.join(runDir, ARTIFACTS.synthIndex),
    };
  },
  describe(r) {
    return `the ${r.method} compact set: ${r.images} images (${r.mosaics} mosaics, ${r.pool} pool images as they are; ${r.adversarial} of them hardened adversarially)\nwrote ${r.file}`;
  },
};
