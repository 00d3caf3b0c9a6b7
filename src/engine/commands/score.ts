/** `optidel score --run RUN_DIR`: embeddings, difficulty, per-patch errors and the embedding map of every pool sample. */
import { DIFFICULTY_SCORES } from '../../shared/commands';
import type { EngineCommand } from '../command';
import { SCORING_WORKERS_OPTION } from '../model/parallelScoring';
import { SCORE_RUNTIME_OPTION } from '../onnx/scoreRuntime';
import { runScoreStage, SCORE_DEFAULTS } from '../pipeline/scoreStage';
import { SHARD_OPTION } from '../scale/shard';

export const scoreCommand: EngineCommand<'score'> = {
  name: 'score',
  summary:
    'Score every pool sample with the pre-trained model: embedding, difficulty (K masks), per-patch errors, 2D map',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with ingest and pretrain done' },
    {
      name: 'masks',
      type: 'integer',
      description: `random masks averaged per sample (default ${SCORE_DEFAULTS.masks})`,
    },
    { name: 'seed', type: 'integer', description: 'seed of the masks (default: the config seed)' },
    { name: 'batchSize', type: 'integer', description: `samples per batch (default ${SCORE_DEFAULTS.batchSize})` },
    {
      name: 'checkpoint',
      type: 'string',
      description: 'checkpoint under checkpoints/ to score with (default pretrain)',
    },
    {
      name: 'difficulty',
      type: 'string',
      choices: DIFFICULTY_SCORES,
      description:
        "difficulty score: normalised (MAE loss), intensity (error in intensity units), pvi (minus pointwise V-information); default the config's selection.difficulty, else normalised",
    },
    SHARD_OPTION,
    SCORING_WORKERS_OPTION,
    SCORE_RUNTIME_OPTION,
  ],
  run: runScoreStage,
  describe(r) {
    return `scored ${r.count} samples${r.shard ? ` of shard ${r.shard}` : ''} (${r.masks} masks each): mean ${r.difficulty} difficulty ${r.meanDifficulty.toFixed(4)}, ${r.seconds.toFixed(1)} s on ${r.workers} thread(s)${r.runtime === 'onnxruntime' ? ' of onnxruntime' : ''}\nwrote ${r.files.join(', ')}`;
  },
};
