/** `optidel synthesize --run RUN_DIR [--method NAME]`: mosaics and adversarial samples from a selection (hand curation applied). */
import * as path from 'node:path';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import { SELECTION_METHOD_NAMES } from '../../shared/commands';
import { ARTIFACTS } from '../../shared/artifacts';
import { selectBackend } from '../backends/select';
import { openCache } from '../data/cache';
import { existingRunDir } from '../model/runSettings';
import { runStage } from '../runStage';
import { lastSelectedMethod, readSelection, readSelectionInput } from '../pipeline/runArtifacts';
import { budgetAndSeed, loadFoundation, runRecordOrUndefined } from '../pipeline/stageSettings';
import { DEFAULT_ADVERSARIAL, synthesizeStage } from '../pipeline/synthesizeStage';

export const synthesizeCommand: EngineCommand<'synthesize'> = {
  name: 'synthesize',
  summary: 'Generate 2x2 mosaics of the selected key patches and adversarial copies of selected images',
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
      name: 'adversarialFraction',
      type: 'number',
      description: `fraction of selected images given an adversarial copy (default ${DEFAULT_ADVERSARIAL.fraction}; 0 turns it off)`,
    },
    {
      name: 'epsilon',
      type: 'number',
      description: `L-infinity bound on a pixel's change (default ${DEFAULT_ADVERSARIAL.epsilon})`,
    },
    {
      name: 'adversarialSteps',
      type: 'integer',
      description: `gradient ascent steps (default ${DEFAULT_ADVERSARIAL.steps})`,
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
      ...(args.epsilon !== undefined ? { epsilon: args.epsilon } : {}),
      ...(args.adversarialSteps !== undefined ? { steps: args.adversarialSteps } : {}),
    };
    if (!(adversarial.fraction >= 0 && adversarial.fraction <= 1))
      throw new UsageError('synthesize: --adversarial-fraction must be between 0 and 1');
    const { backend } = await selectBackend(ctx.backendPreference);
    const result = await runStage(runDir, 'synthesize', ctx, backend, async () => {
      const selection = await readSelection(runDir, method);
      const input = await readSelectionInput(runDir);
      const cache = await openCache(runDir);
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
          { seed, adversarial },
          ctx,
        );
        return { result: synth, summary: { method, mosaics: synth.mosaics, adversarial: synth.adversarial } };
      } finally {
        model?.dispose();
        await cache.close();
      }
    });
    return {
      method,
      mosaics: result.mosaics,
      adversarial: result.adversarial,
      file: path.join(runDir, ARTIFACTS.synthIndex),
    };
  },
  describe(r) {
    return `from the ${r.method} selection: ${r.mosaics} mosaics, ${r.adversarial} adversarial samples\nwrote ${r.file}`;
  },
};
