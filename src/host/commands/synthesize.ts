/** "OptiDEL: Synthesise Samples": mosaics and adversarial samples from the run's last selection (hand curation applied). */
import { stageCommand } from './pretrain';

export const synthesizeSamples = stageCommand(
  'optidel.synthesize',
  'synthesize',
  'synthesize',
  (run) => ({ run }),
  (r) => `generated ${r.mosaics} mosaics and ${r.adversarial} adversarial samples from the ${r.method} selection`,
);
