/**
 * The scoring runtime of a stage that runs the model over the pool, `score`, `propose` and train's
 * collaborative rounds (and `run`, which passes its flag to all three): its `--runtime` option,
 * which runtime a stage uses (the flag, else the run config's `model.runtime`, else tfjs), and the
 * scorer the stage's batches run through on it.
 */
import { DEFAULT_SCORE_RUNTIME, SCORE_RUNTIMES, type ScoreRuntime } from '../../shared/commands';
import type { OptionSpec } from '../command';
import { checkpointDir } from '../model/checkpoint';
import type { MaeModel } from '../model/mae';
import { scorePool, scorePoolBoxes, type ScoringThreads } from '../model/parallelScoring';
import { scoreBoxes, scoreSamples, type PoolScores, type ScoredBox, type ScoreOptions } from '../model/scoring';
import type { PixelReader } from '../model/trainingData';
import type { RunModelSettings } from '../model/runSettings';
import type { Ort } from './onnxruntime';
import { requireOnnxruntime } from './onnxruntime';
import { cachedScorerFile, openOnnxScorer } from './onnxScoring';

/** `--runtime` of score, propose, train and run. */
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

/** What scores a stage's samples and key patches, on the runtime the stage chose. */
export interface ModelScorer {
  pool(ids: readonly number[], options: ScoreOptions): Promise<PoolScores>;
  boxes(patches: readonly ScoredBox[], options: ScoreOptions): Promise<Float32Array>;
}

/** onnxruntime-node and the ONNX graph its session runs (scorerGraph.ts's export of the model). */
export interface OnnxGraph {
  ort: Ort;
  graph(): Promise<Uint8Array>;
}

/**
 * Runs `use` with `model`'s scorer: TensorFlow.js on `threads` (parallelScoring.ts), or, with
 * `onnx`, an onnxruntime session on its graph (on `threads.workers` threads), released after.
 * The same two paths for score, propose and train's collaborative rounds.
 */
export async function withModelScorer<T>(
  model: MaeModel,
  reader: PixelReader,
  threads: ScoringThreads,
  onnx: OnnxGraph | undefined,
  use: (scorer: ModelScorer) => Promise<T>,
): Promise<T> {
  if (!onnx)
    return use({
      pool: (ids, options) => scorePool(model, reader, ids, options, threads),
      boxes: (patches, options) => scorePoolBoxes(model, reader, patches, options, threads),
    });
  const session = await openOnnxScorer(onnx.ort, await onnx.graph(), model, threads.workers);
  try {
    return await use({
      pool: (ids, options) => scoreSamples(model, reader, ids, options, session.scoreBatch),
      boxes: (patches, options) => scoreBoxes(model, reader, patches, options, session.patchScores),
    });
  } finally {
    await session.release();
  }
}

/** The graph of the run's checkpoint `checkpoint` (which `model` was loaded from), exported once per checkpoint into the run folder. */
export function checkpointGraph(ort: Ort, runDir: string, checkpoint: string, model: MaeModel): OnnxGraph {
  return {
    ort,
    graph: async () => (await cachedScorerFile(runDir, checkpointDir(runDir, checkpoint), model)).graph,
  };
}
