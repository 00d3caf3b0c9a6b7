/** "OptiDEL: Compute Sample Scores": uniqueness, representativeness, cluster and hardest patch of a scored run, for the gallery and the map. */
import { stageCommand } from './pretrain';

export const computeSampleScores = stageCommand(
  'optidel.computeSampleScores',
  'sample-scores',
  'score',
  (run) => ({ run }),
  (r) =>
    `scores of ${r.samples} samples (${r.clusters} clusters) in ${r.seconds.toFixed(1)} s; sort and filter by them in the gallery, colour the embedding map by them`,
  'OptiDEL: Compute sample scores',
);
