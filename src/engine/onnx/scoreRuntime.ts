/**
 * The scoring runtime of a stage that runs the model over the pool, `score` and `propose` (and
 * `run`, which passes its flag to both): its `--runtime` option, which runtime a stage uses (the
 * flag, else the run config's `model.runtime`, else tfjs), and, for onnxruntime, the scorer the
 * stage's batches run through.
 */
import { DEFAULT_SCORE_RUNTIME, SCORE_RUNTIMES, type ScoreRuntime } from '../../shared/commands';
import type { OptionSpec } from '../command';
import { checkpointDir } from '../model/checkpoint';
import type { MaeModel } from '../model/mae';
import type { RunModelSettings } from '../model/runSettings';
import type { Ort } from './onnxruntime';
import { requireOnnxruntime } from './onnxruntime';
import type { OnnxScorer } from './onnxScoring';
import { cachedScorerFile, openOnnxScorer } from './onnxScoring';

/** `--runtime` of score, propose and run. */
export const SCORE_RUNTIME_OPTION: OptionSpec = {
  name: 'runtime',
  type: 'string',
  choices: SCORE_RUNTIMES,
  description: `what runs the model: tfjs, or onnxruntime (onnxruntime-node, installed by you: docs/interop.md; the engine's ONNX export of the checkpoint is cached under onnx/; --workers sets its threads); default the config's model.runtime, else ${DEFAULT_SCORE_RUNTIME}`,
};

export interface StageRuntime {
  runtime: ScoreRuntime;
  /** onnxruntime-node, loaded, when the runtime is onnxruntime. */
  ort?: Ort;
}

/**
 * The runtime `command` scores with. Called before the run is locked: a missing onnxruntime-node
 * fails at once, saying how to install it, and leaves the run as it was.
 */
export function stageRuntime(
  command: string,
  flag: ScoreRuntime | undefined,
  settings: Pick<RunModelSettings, 'runtime'>,
): StageRuntime {
  const runtime = flag ?? settings.runtime ?? DEFAULT_SCORE_RUNTIME;
  return { runtime, ort: runtime === 'onnxruntime' ? requireOnnxruntime(command) : undefined };
}

/**
 * Runs `use` with an onnxruntime scorer of the run's checkpoint `checkpoint` (which `model` was
 * loaded from) on `threads` threads, exported once per checkpoint into the run folder, and
 * releases it after.
 */
export async function withOnnxScorer<T>(
  ort: Ort,
  runDir: string,
  checkpoint: string,
  model: MaeModel,
  threads: number,
  use: (scorer: OnnxScorer) => Promise<T>,
): Promise<T> {
  const file = await cachedScorerFile(runDir, checkpointDir(runDir, checkpoint), model);
  const scorer = await openOnnxScorer(ort, file, model, threads);
  try {
    return await use(scorer);
  } finally {
    await scorer.release();
  }
}
