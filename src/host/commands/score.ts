/** "OptiDEL: Score Difficulty": embeddings, difficulty and per-patch errors of every pool sample. */
import { scoreRuntime } from '../settings';
import { stageCommand } from './pretrain';

export const scoreDifficulty = stageCommand(
  'optidel.score',
  'score',
  'score',
  (run) => ({ run, runtime: scoreRuntime() }),
  (r) => `scored ${r.count} samples over ${r.masks} masks, mean difficulty ${r.meanDifficulty.toFixed(4)}`,
);
