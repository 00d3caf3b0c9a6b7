/**
 * The fine-tuning options `optidel bench` and `optidel finetune` both take, declared once, and
 * how they become `FineTuneOptions`.
 */
import { UsageError, type OptionSpec } from '../command';
import { DEFAULT_FINETUNE, PROBE_LR, type FineTuneMode, type FineTuneOptions } from '../downstream/finetune';
import { HEAD_KINDS, type HeadKind } from '../../shared/commands';

export const FINETUNE_ARG_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'finetuneSteps',
    type: 'integer',
    description: `most fine-tuning steps per data set (default ${DEFAULT_FINETUNE.steps}; early stopping on the validation split)`,
  },
  {
    name: 'finetuneMode',
    type: 'string',
    choices: ['full', 'probe'],
    description: `full: encoder and head learn; probe: frozen encoder (default ${DEFAULT_FINETUNE.mode})`,
  },
  {
    name: 'encoderLrScale',
    type: 'number',
    description: `full fine-tuning: the encoder's learning rate times this, in (0, 1] (default 1: ${DEFAULT_FINETUNE.encoderLr}); smaller keeps more of the pre-trained features`,
  },
  {
    name: 'head',
    type: 'string',
    choices: HEAD_KINDS,
    description: `segmentation head: pixel (every pixel's logits from its patch token), mlp (one logit per patch, upsampled) or conv (sees the pixels too); default ${DEFAULT_FINETUNE.head}`,
  },
  {
    name: 'maxTrain',
    type: 'integer',
    description: 'at most this many labelled training slices per data set (fewer labels show pre-training better)',
  },
];

/**
 * Fine-tuning settings; a frozen-encoder probe trains only the head and takes a higher learning
 * rate. The encoder's scale becomes its own Adam's learning rate (scaling the gradient would not
 * do: Adam's step does not grow or shrink with its gradient), so the default of 1 leaves the
 * options, and with them the signatures of finished benchmark cells, as they were.
 */
export function finetuneOptions(
  command: string,
  args: {
    finetuneSteps?: number;
    finetuneMode?: FineTuneMode;
    head?: HeadKind;
    encoderLrScale?: number;
  },
): Omit<FineTuneOptions, 'seed'> {
  const mode = args.finetuneMode ?? DEFAULT_FINETUNE.mode;
  const scale = args.encoderLrScale ?? 1;
  if (!(scale > 0 && scale <= 1))
    throw new UsageError(`${command}: --encoder-lr-scale must be in (0, 1], got ${scale}`);
  if (scale !== 1 && mode !== 'full')
    throw new UsageError(
      `${command}: --encoder-lr-scale needs --finetune-mode full (a probe's encoder does not learn)`,
    );
  return {
    ...DEFAULT_FINETUNE,
    steps: args.finetuneSteps ?? DEFAULT_FINETUNE.steps,
    mode,
    head: args.head ?? DEFAULT_FINETUNE.head,
    lr: mode === 'probe' ? PROBE_LR : DEFAULT_FINETUNE.lr,
    encoderLr: DEFAULT_FINETUNE.encoderLr * scale,
  };
}
