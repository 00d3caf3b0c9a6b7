import { SELECTION_METHOD_NAMES } from '../commands';

/**
 * The run folder's layout: where each stage writes its artifacts, so that any stage, view or later
 * comparison can find them. Every run-folder path is spelled here once. Binary arrays are
 * little-endian Float32 (`.f32`) or Int32 (`.i32`) with their shape in the JSON file beside them.
 * Every file is written atomically. Browser-safe: no Node modules.
 *
 *   run.json                        stage status (runRecord.ts)
 *   config.json                     the resolved config the run used
 *   cache/index.json                CacheIndexHeader: shard list, content hash, sample count (cacheIndexFile.ts)
 *   cache/samples.jsonl             one CacheSample (provenance, place in the shards) per line, in id order
 *   cache/shard-00000.bin           decoded samples, imageSize² Float32 in [0, 1] each
 *   thumbs/atlas-00000.png          thumbnails, ThumbnailAtlasIndex in thumbs/index.json
 *   scores/embeddings.f32           N x D pooled encoder tokens (scores/scores.json gives D)
 *   scores/difficulty.f32           N masked reconstruction errors (mean over K masks)
 *   scores/patch-errors.f32         N x P per-patch errors (P = (imageSize / patch)²)
 *   scores/projection.f32           N x 2 PCA of the embeddings, for the embedding map
 *   scores/umap.f32                 N x 2 UMAP of the embeddings (optidel umap), the map's other layout
 *   patches/key-patches.json        KeyPatchesHeader: proposer, windows, patch count, body hash (keyPatchesFile.ts)
 *   patches/key-patches.jsonl       one KeyPatch per line, in id order
 *   patches/key-patches.prev.jsonl  the body before a rewrite, only while one is under way (or was cut short)
 *   key-patches.user.json           the user's own key patches (optional; docs/key-patches.md)
 *   selection/<method>.json         SelectionFile
 *   synth/<method>/index.json       SynthIndex: the compact set of that method's selection (one per
 *                                   method, so each is kept); its generated images in
 *                                   synth/<method>/samples.f32 and synth/<method>/<id>.png. An older
 *                                   run's flat synth/index.json reads as the method its madeFrom names
 *   curation/duplicates.json        DuplicatesFile: exact and near-duplicate groups (optidel duplicates)
 *   curation/sample-scores.json     SampleScoresInfo: what curation/sample-scores.f32 holds (optidel sample-scores)
 *   curation/sample-scores.f32      N x C per-sample scores (uniqueness, representativeness, cluster, hardest patch)
 *   curation/similarity-index.usearch  HNSW graph of the centred embeddings (usearch), for similar and uniqueness
 *   curation/similarity-index.json  SimilarityIndexInfo: the embeddings the graph was built from
 *   curation/metadata.json          MetadataFile: DICOM tags, NIfTI header fields and CSV columns per source (ingest)
 *   curation/label-maps.json        VouchedLabelsFile: fingerprints of the downstream label maps ingest saw (vouchedLabels.ts)
 *   checkpoints/<stage>/            model checkpoints (latest.json + step-N/)
 *   onnx/scorer-<hash>.onnx         the masked scorer as ONNX, for score --runtime onnxruntime; hash of the checkpoint it was written from
 *   metrics/<stage>.jsonl           one JSON object per line: { step, name, value, time }
 *   bench/report.json, report.md    the benchmark (issue 5), BenchReport
 *   bench/predictions/<dataset>/index.json   PredictionIndex: test images, truth and predicted label PNGs
 *   bench/difficulty/<score>/       an optidel-<score> arm's difficulty.f32, key-patches.json(l), variant.json
 *   parts/<stage>/<i>-of-<n>/       one shard's part of a sharded ingest, score or propose (docs/scale-out.md):
 *                                   part.json (ShardPartRecord) and the stage's files for its samples;
 *                                   an ingest part is laid out as a run's cache/ and thumbs/
 */

export const ARTIFACTS = {
  run: 'run.json',
  /** Held while a process updates run.json (runStore.ts). */
  runLock: 'run.json.lock',
  config: 'config.json',
  cacheDir: 'cache',
  cacheIndex: 'cache/index.json',
  cacheSamples: 'cache/samples.jsonl',
  thumbsDir: 'thumbs',
  thumbsIndex: 'thumbs/index.json',
  scores: 'scores/scores.json',
  embeddings: 'scores/embeddings.f32',
  difficulty: 'scores/difficulty.f32',
  patchErrors: 'scores/patch-errors.f32',
  projection: 'scores/projection.f32',
  umap: 'scores/umap.f32',
  keyPatches: 'patches/key-patches.json',
  /** The user's own key patches, read by propose when --user is not given (docs/key-patches.md). */
  userKeyPatches: 'key-patches.user.json',
  selectionDir: 'selection',
  synthDir: 'synth',
  /** A run folder's one synth/ from before generated samples were kept per method (synthFiles.ts reads it). */
  flatSynthIndex: 'synth/index.json',
  flatSynthSamples: 'synth/samples.f32',
  duplicates: 'curation/duplicates.json',
  sampleScores: 'curation/sample-scores.json',
  sampleScoreValues: 'curation/sample-scores.f32',
  similarityIndex: 'curation/similarity-index.usearch',
  similarityIndexInfo: 'curation/similarity-index.json',
  metadata: 'curation/metadata.json',
  vouchedLabels: 'curation/label-maps.json',
  checkpointsDir: 'checkpoints',
  onnxDir: 'onnx',
  metricsDir: 'metrics',
  benchDir: 'bench',
  benchReport: 'bench/report.json',
  benchReportMarkdown: 'bench/report.md',
  predictionsDir: 'bench/predictions',
  partsDir: 'parts',
} as const;

/** Inside a saved model's folder (a checkpoint's step-N/, an encoder cell): the model, its weights, and the trainer's state. */
export const CHECKPOINT_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  optimizer: 'optimizer.bin',
  trainer: 'trainer.json',
} as const;

/** A benchmark encoder's record of what it was trained from, and the bench folder's record of what the pool was scored with. */
export const BENCH_SIGNATURE_FILES = { inputs: 'inputs.json', scoredWith: 'scored-with.json' } as const;

/** The benchmark's files inside its folder (the run's bench/, or `optidel bench --out`); ARTIFACTS.benchReport* are the first two in bench/. */
export const BENCH_FILES = {
  reportJson: 'report.json',
  reportMarkdown: 'report.md',
  bars: 'miou-by-method.svg',
  budgets: 'miou-vs-budget.svg',
} as const;

/** A benchmark arm `optidel-<difficulty>`'s own scores of the pool (bench/difficultyVariants.ts). */
export function benchDifficultyDir(difficulty: string): string {
  return `${ARTIFACTS.benchDir}/difficulty/${difficulty}`;
}

/** Inside benchDifficultyDir: the per-sample difficulty, the key patches proposed from its map, and what they were made with. */
export const DIFFICULTY_VARIANT_FILES = {
  difficulty: 'difficulty.f32',
  keyPatches: 'key-patches.json',
  record: 'variant.json',
} as const;

/** Inside bench/predictions/<dataset>/: its index, and each prediction run's own record in the run's folder (not a run folder's run.json). */
export const PREDICTION_FILES = { index: 'index.json', run: 'run.json' } as const;

/** A training stage's metrics (`stage` is a stage name or a plain checkpoint name, names.ts). */
export function metricsFile(stage: string): string {
  return `${ARTIFACTS.metricsDir}/${stage}.jsonl`;
}

/** The stages that run in shards and are merged by `optidel merge`, in pipeline order. */
export const SHARDED_STAGES = ['ingest', 'score', 'propose'] as const;
export type ShardedStage = (typeof SHARDED_STAGES)[number];

/** The files of one shard's part, inside its folder. */
export const SHARD_PART_FILES = {
  record: 'part.json',
  embeddings: 'embeddings.f32',
  difficulty: 'difficulty.f32',
  patchErrors: 'patch-errors.f32',
  keyPatches: 'key-patches.json',
  cacheIndex: ARTIFACTS.cacheIndex,
  thumbsIndex: ARTIFACTS.thumbsIndex,
} as const;

/** A part folder's name, `<i>-of-<n>` with both padded to five digits so listings sort in shard order. */
const SHARD_PART_FOLDER = /^(\d+)-of-(\d+)$/;

/** The most shards a stage is split into: as many as five-digit part folder names hold. */
export const MAX_SHARDS = 99_999;

/**
 * The shard a part folder's name gives, or undefined for any other name. A name is all a reader
 * knows of a split before a file is read, and a shared run folder's empty `00000-of-4000000000`
 * would have every reader list four billion shards: a split larger than MAX_SHARDS is not one.
 */
export function shardOfPartFolder(name: string): { index: number; count: number } | undefined {
  const match = SHARD_PART_FOLDER.exec(name);
  if (!match) return undefined;
  const [index, count] = [Number(match[1]), Number(match[2])];
  return count >= 1 && count <= MAX_SHARDS && index < count ? { index, count } : undefined;
}

export function shardPartsFolder(stage: ShardedStage): string {
  return `${ARTIFACTS.partsDir}/${stage}`;
}

export function shardPartFolder(stage: ShardedStage, index: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${shardPartsFolder(stage)}/${pad(index)}-of-${pad(count)}`;
}

export function shardPartFile(
  stage: ShardedStage,
  index: number,
  count: number,
  file: keyof typeof SHARD_PART_FILES,
): string {
  return `${shardPartFolder(stage, index, count)}/${SHARD_PART_FILES[file]}`;
}

/**
 * synth/<method>/, one method's generated samples. The name must be one of SELECTION_METHOD_NAMES
 * (checked here, the one place the path is made), so a method read from a file never becomes a path.
 */
export function synthFolder(method: string): string {
  if (!(SELECTION_METHOD_NAMES as readonly string[]).includes(method))
    throw new Error(
      `"${method}" is not a selection method (${SELECTION_METHOD_NAMES.join(', ')}), so it has no synth/ folder`,
    );
  return `${ARTIFACTS.synthDir}/${method}`;
}

/** Inside synthFolder: the index (written last), the pixels of every generated sample, one PNG each. */
export function synthIndexFile(method: string): string {
  return `${synthFolder(method)}/index.json`;
}

export function synthSamplesFile(method: string): string {
  return `${synthFolder(method)}/samples.f32`;
}

export function synthImageFile(method: string, id: number): string {
  return `${synthFolder(method)}/${id}.png`;
}

export function selectionFile(method: string): string {
  return `${ARTIFACTS.selectionDir}/${method}.json`;
}

/** The folder of one downstream data set's predictions; `dataset` must be a plain name (names.ts). */
export function predictionsFolder(dataset: string): string {
  return `${ARTIFACTS.predictionsDir}/${dataset}`;
}

export function predictionIndexFile(dataset: string): string {
  return `${predictionsFolder(dataset)}/${PREDICTION_FILES.index}`;
}
