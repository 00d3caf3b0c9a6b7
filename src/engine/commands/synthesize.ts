/** `optidel synthesize --run RUN_DIR [--method NAME]`: a selection's compact set (hand curation applied) -> synth/. */
import { OPTIDEL_IMAGES, SELECTION_METHOD_NAMES } from '../../shared/commands';
import type { EngineCommand } from '../command';
import { DEFAULT_ADVERSARIAL } from '../pipeline/compactSet';
import { runSynthesizeStage } from '../pipeline/synthesizeStage';

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
  run: runSynthesizeStage,
  describe(r) {
    return `the ${r.method} compact set: ${r.images} images (${r.mosaics} mosaics, ${r.pool} pool images as they are; ${r.adversarial} of them hardened adversarially)\nwrote ${r.file}`;
  },
};
