/**
 * `optidel propose --run RUN_DIR`: key patches for every pool sample, ours (windows of highest
 * difficulty inside the foreground) and the user's (docs/key-patches.md), each scored by the
 * foundation model's difficulty of the patches it covers, at the scale the model was trained at.
 */
import { ARTIFACTS } from '../../shared/artifacts';
import { DIFFICULTY_SCORES } from '../../shared/commands';
import type { EngineCommand } from '../command';
import { DEFAULT_PROPOSER } from '../model/keyPatches';
import { SCORING_WORKERS_OPTION } from '../model/parallelScoring';
import { SCORE_RUNTIME_OPTION } from '../onnx/scoreRuntime';
import { runProposeStage } from '../pipeline/proposeStage';
import { SHARD_OPTION } from '../scale/shard';
import { SCORE_DEFAULTS } from '../pipeline/scoreStage';

export const proposeCommand: EngineCommand<'propose'> = {
  name: 'propose',
  summary: 'Propose key patches per image (ours and user-supplied boxes) and score each by masked reconstruction error',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with ingest, pretrain and score done' },
    { name: 'perImage', type: 'integer', description: `our windows per image (default ${DEFAULT_PROPOSER.perImage})` },
    {
      name: 'windowFraction',
      type: 'number',
      description: `window side as a fraction of the image side (default ${DEFAULT_PROPOSER.windowFraction})`,
    },
    {
      name: 'user',
      type: 'string',
      description: `user key-patch file, see docs/key-patches.md (default: <run>/${ARTIFACTS.userKeyPatches} when present)`,
    },
    { name: 'userOnly', type: 'boolean', description: "only the user's patches, none of ours" },
    {
      name: 'masks',
      type: 'integer',
      description: `random masks averaged per patch (default ${SCORE_DEFAULTS.masks})`,
    },
    { name: 'seed', type: 'integer', description: 'seed of the masks (default: the config seed)' },
    {
      name: 'checkpoint',
      type: 'string',
      description: 'checkpoint under checkpoints/ to score with (default pretrain)',
    },
    {
      name: 'difficulty',
      type: 'string',
      choices: DIFFICULTY_SCORES,
      description: 'difficulty score of the patches (default: the one "optidel score" used)',
    },
    SHARD_OPTION,
    SCORING_WORKERS_OPTION,
    SCORE_RUNTIME_OPTION,
  ],
  run: runProposeStage,
  describe(r) {
    return [
      `${r.patches} key patches (${r.auto} ours, ${r.user} user), mean ${r.difficulty} difficulty ${r.meanDifficulty.toFixed(4)}${r.runtime === 'onnxruntime' ? ', scored by onnxruntime' : ''}`,
      ...r.skipped.map((s) => `skipped ${s.path}: ${s.reason}`),
      `wrote ${r.file}`,
    ].join('\n');
  },
};
