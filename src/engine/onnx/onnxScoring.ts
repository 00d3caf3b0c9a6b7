/**
 * `optidel score --runtime onnxruntime`: the pool scored through onnxruntime-node on the engine's
 * own ONNX export of the model (scorerGraph.ts), written once per checkpoint into the run folder.
 * Each batch runs the scorer once per mask, with the engine's own seeded masks (makeMasks, keyed by
 * sample id as MaeModel.score keys them), and, for the pool's scores, once with every patch visible
 * for the embedding; the difficulty score, the per-patch map and a key patch's score (`optidel
 * propose`, scoreBoxes) are then the TensorFlow.js path's own (scaleByScore, toDifficulty,
 * boxScore), so the two runtimes differ only in where the model's arithmetic ran. Key patches need
 * no graph of their own: a box is scored from its image's masked patch scores.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../shared/run/layout';
import { writeFileAtomic } from '../../shared/node/atomicFile';
import type { MaeModel } from '../model/mae';
import { MODEL_FILE, WEIGHTS_FILE, resolveModelDir } from '../model/mae';
import { makeMasks } from '../model/masking';
import { deriveSeed } from '../model/rng';
import type { PatchScorer, SampleBatchScorer } from '../model/scoring';
import { scaleByScore, toDifficulty } from '../model/scoring';
import type { Ort, OrtSession } from './onnxruntime';
import { cpuSessionOptions } from './onnxruntime';
import { scorerOnnxBytes } from './scorerGraph';

/** Part of the cached file's name: a change to what scorerGraph.ts writes must change it. */
const SCORER_EXPORT_VERSION = 'scorer-1';

/**
 * The run folder's ONNX scorer of the checkpoint in `checkpointFolder` (which `model` was loaded
 * from): onnx/scorer-<hash>.onnx, the hash of the checkpoint's files, written when missing or not the export. The
 * scorers of other checkpoints are removed, so the folder holds one. Returns the file and the graph
 * it holds, which is what a session opens (never the file's bytes as read back).
 */
export async function cachedScorerFile(
  runDir: string,
  checkpointFolder: string,
  model: MaeModel,
): Promise<{ file: string; graph: Uint8Array }> {
  const modelDir = resolveModelDir(checkpointFolder);
  const hash = createHash('sha256').update(SCORER_EXPORT_VERSION);
  for (const file of [MODEL_FILE, WEIGHTS_FILE]) hash.update(await fs.promises.readFile(path.join(modelDir, file)));
  const dir = path.join(runDir, ARTIFACTS.onnxDir);
  const name = `scorer-${hash.digest('hex').slice(0, 16)}.onnx`;
  const file = path.join(dir, name);
  // The name is a hash of files a shared run folder carries too, so anyone can plant a graph of
  // their own under it: a cached file is used only when it holds the export's own bytes.
  const graph = await scorerOnnxBytes(model);
  if (await holds(file, graph)) return { file, graph };
  await fs.promises.mkdir(dir, { recursive: true });
  await writeFileAtomic(file, graph);
  for (const other of await fs.promises.readdir(dir))
    if (other !== name && /^scorer-[0-9a-f]+\.onnx$/.test(other)) await fs.promises.rm(path.join(dir, other));
  return { file, graph };
}

/** Whether `file` is a file of exactly `bytes` (read only when its size is theirs). */
async function holds(file: string, bytes: Uint8Array): Promise<boolean> {
  const size = (await fs.promises.stat(file).catch(() => undefined))?.size;
  return size === bytes.byteLength && Buffer.from(bytes).equals(await fs.promises.readFile(file));
}

export interface OnnxScorer {
  /** A batch of samples' scores, as scoreSampleBatch gives them. */
  scoreBatch: SampleBatchScorer;
  /** A batch of images' masked patch scores, as tfjsPatchScorer gives them (what key patches are scored from). */
  patchScores: PatchScorer;
  release(): Promise<void>;
}

/**
 * An onnxruntime session on `graph` (the scorer's file, or its bytes: scorerOnnxBytes), on `threads`
 * threads, that scores batches as the TensorFlow.js path does.
 */
export async function openOnnxScorer(
  ort: Ort,
  graph: string | Uint8Array,
  model: MaeModel,
  threads: number,
): Promise<OnnxScorer> {
  const session = await ort.InferenceSession.create(graph, cpuSessionOptions(threads));
  const run = { ort, session, model };
  return {
    scoreBatch: scoreBatch(run),
    patchScores: patchScores(run),
    release: () => session.release(),
  };
}

interface ScorerRun {
  ort: Ort;
  session: OrtSession;
  model: MaeModel;
}

function imagesTensor({ ort, model }: ScorerRun, pixels: Float32Array, batch: number): unknown {
  return new ort.Tensor('float32', pixels, [batch, 1, model.config.imageSize, model.config.imageSize]);
}

function visibleTensor({ ort }: ScorerRun, visible: ArrayLike<number>, batch: number, keep: number): unknown {
  return new ort.Tensor('int64', BigInt64Array.from(Array.from(visible), BigInt), [batch, keep]);
}

/** The scorer once per mask, with MaeModel.score's masks: the masked error summed over the masks that hid each patch, and how many did. */
async function maskedSums(
  run: ScorerRun,
  images: unknown,
  ids: readonly number[],
  options: Parameters<PatchScorer>[2],
): Promise<{ sum: Float32Array; count: Float32Array }> {
  const { patches: n, config } = run.model;
  const batch = ids.length;
  const sum = new Float32Array(batch * n);
  const count = new Float32Array(batch * n);
  for (let k = 0; k < options.masks; k++) {
    const masks = makeMasks(ids, n, config.maskRatio, deriveSeed(options.seed, k));
    const feeds = { images, visible: visibleTensor(run, masks.visible, batch, masks.keep) };
    const errors = (await run.session.run(feeds)).patch_errors!.data;
    for (let i = 0; i < sum.length; i++) {
      sum[i] += masks.masked[i]! * errors[i]!;
      count[i] += masks.masked[i]!;
    }
  }
  return { sum, count };
}

/** The summed masked errors under the chosen difficulty score, as a [B, N] tensor (scaleByScore, the TensorFlow.js path's own). */
function scaledTensor(
  run: ScorerRun,
  pixels: Float32Array,
  { sum, count }: { sum: Float32Array; count: Float32Array },
  options: Parameters<PatchScorer>[2],
  inputFree: tf.Tensor2D | undefined,
): tf.Tensor2D {
  const { patches: n, config } = run.model;
  const batch = count.length / n;
  return scaleByScore(
    run.model,
    tf.tensor4d(pixels, [batch, config.imageSize, config.imageSize, 1]),
    tf.tensor2d(sum, [batch, n]),
    tf.tensor2d(count, [batch, n]),
    options,
    inputFree,
  );
}

/** A batch's masked patch scores, what key patches are scored from. */
const patchScores =
  (run: ScorerRun): PatchScorer =>
  async (pixels, ids, options, inputFree) => {
    const sums = await maskedSums(run, imagesTensor(run, pixels, ids.length), ids, options);
    const scaled = tf.tidy(() => scaledTensor(run, pixels, sums, options, inputFree));
    try {
      return { scaled: (await scaled.data()) as Float32Array, count: sums.count };
    } finally {
      scaled.dispose();
    }
  };

/** The masked patch scores turned into difficulty and the per-patch map, then once more with every patch visible for the embedding. */
const scoreBatch =
  (run: ScorerRun): SampleBatchScorer =>
  async (pixels, ids, options, inputFree) => {
    const n = run.model.patches;
    const batch = ids.length;
    const images = imagesTensor(run, pixels, batch);
    const sums = await maskedSums(run, images, ids, options);
    const everyPatch = Int32Array.from({ length: batch * n }, (_, i) => i % n);
    const embeddings = (await run.session.run({ images, visible: visibleTensor(run, everyPatch, batch, n) })).embedding!
      .data;
    const scores = tf.tidy(() => {
      const counts = tf.tensor2d(sums.count, [batch, n]);
      const { difficulty, patchErrors } = toDifficulty(scaledTensor(run, pixels, sums, options, inputFree), counts);
      return [difficulty, patchErrors];
    });
    try {
      const [difficulty, patchErrors] = (await Promise.all(scores.map((t) => t.data()))) as Float32Array[];
      return { embeddings, difficulty: difficulty!, patchErrors: patchErrors! };
    } finally {
      tf.dispose(scores);
    }
  };
