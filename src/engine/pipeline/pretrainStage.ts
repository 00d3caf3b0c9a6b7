/** The pretrain stage: the foundation MAE pre-trained on the whole pool, resuming from its last checkpoint. */
import type { CommandArgs, CommandResult } from '../../shared/commands';
import { selectBackend } from '../backends/select';
import type { CommandContext } from '../command';
import { openCache } from '../data/cache';
import { checkpointDir, discardCheckpoints } from '../model/checkpoint';
import { maeConfig, MaeModel } from '../model/mae';
import type { PretrainOptions } from '../model/pretrain';
import { DEFAULT_PRETRAIN_OPTIONS, pretrain } from '../model/pretrain';
import { existingRunDir, readRunModelSettings } from '../model/runSettings';
import { stepsForEpochs } from '../model/schedule';
import { runStage } from '../runStage';

/** `optidel pretrain` in a run folder (its lock, its status in run.json, its artifacts): called by the command, the pipeline and the benchmark alike. */
export async function runPretrainStage(
  args: CommandArgs<'pretrain'>,
  ctx: CommandContext,
): Promise<CommandResult<'pretrain'>> {
  const runDir = existingRunDir('pretrain', args.run);
  const { backend } = await selectBackend(ctx.backendPreference);
  const settings = await readRunModelSettings(runDir);
  const cache = await openCache(runDir);
  const preset = args.preset ?? settings.preset ?? 'tiny';
  const model = MaeModel.create(maeConfig(preset, cache.imageSize), args.seed ?? settings.seed ?? 0);
  try {
    const options = pretrainOptions(args, settings.pretrain, settings.seed, cache.size);
    ctx.log(
      'info',
      `pretrain: ${preset} model at ${cache.imageSize} px on ${cache.size} samples, ${options.steps} steps of ${options.batchSize} on ${backend}`,
    );
    const ids = Array.from({ length: cache.size }, (_, i) => i);
    const result = await runStage(runDir, 'pretrain', ctx, backend, async () => {
      if (args.fresh) await discardCheckpoints(runDir, 'pretrain');
      const r = await pretrain(model, { ids, cache }, options, runDir, 'pretrain', ctx);
      return {
        result: r,
        summary: {
          steps: r.steps,
          loss: Number(r.finalLoss.toFixed(4)),
          'images/s': Number(r.imagesPerSecond.toFixed(1)),
          workers: r.workers,
        },
      };
    });
    return {
      preset,
      imageSize: cache.imageSize,
      samples: cache.size,
      ...result,
      checkpoint: checkpointDir(runDir, 'pretrain'),
    };
  } finally {
    model.dispose();
    await cache.close();
  }
}

const OPTION_KEYS = [
  'steps',
  'batchSize',
  'lr',
  'warmupSteps',
  'weightDecay',
  'seed',
  'checkpointEvery',
  'augment',
  'workers',
] as const;

/** Flags, then the run config's "pretrain" section, then defaults; the default step count follows the pool size. */
export function pretrainOptions(
  args: Partial<PretrainOptions>,
  fromConfig: Record<string, unknown>,
  configSeed: number | undefined,
  poolSize: number,
): PretrainOptions {
  const options: PretrainOptions = { ...DEFAULT_PRETRAIN_OPTIONS, seed: configSeed ?? DEFAULT_PRETRAIN_OPTIONS.seed };
  for (const key of OPTION_KEYS) {
    const value = args[key] ?? fromConfig[key];
    if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
  }
  if (args.steps === undefined && fromConfig.steps === undefined)
    options.steps = Math.min(2000, Math.max(200, stepsForEpochs(poolSize, 20, options.batchSize)));
  if (args.warmupSteps === undefined && fromConfig.warmupSteps === undefined)
    options.warmupSteps = Math.min(options.warmupSteps, Math.floor(options.steps / 10));
  return options;
}
