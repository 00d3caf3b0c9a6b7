/**
 * The run folder's layout: where each stage writes its artifacts, so that any stage, view or later
 * comparison can find them. Every run-folder path is spelled here once. Binary arrays are
 * little-endian Float32 (`.f32`) or Int32 (`.i32`) with their shape in the JSON file beside them.
 * Every file is written atomically. Browser-safe: no Node modules.
 *
 *   run.json                        stage status (runRecord.ts)
 *   config.json                     the resolved config the run used
 *   cache/index.json                CacheIndex: samples with provenance, shard list, content hash
 *   cache/shard-00000.bin           decoded samples, imageSize² Float32 in [0, 1] each
 *   thumbs/atlas-00000.png          thumbnails, ThumbnailAtlasIndex in thumbs/index.json
 *   scores/embeddings.f32           N x D pooled encoder tokens (scores/scores.json gives D)
 *   scores/difficulty.f32           N masked reconstruction errors (mean over K masks)
 *   scores/patch-errors.f32         N x P per-patch errors (P = (imageSize / patch)²)
 *   scores/projection.f32           N x 2 PCA of the embeddings, for the embedding map
 *   scores/umap.f32                 N x 2 UMAP of the embeddings (optidel umap), the map's other layout
 *   patches/key-patches.json        KeyPatchFile
 *   selection/<method>.json         SelectionFile
 *   synth/index.json                SynthIndex: the compact set of one selection; its generated
 *                                   images in synth/samples.f32 and synth/<id>.png
 *   curation/duplicates.json        DuplicatesFile: exact and near-duplicate groups (optidel duplicates)
 *   checkpoints/<stage>/            model checkpoints (latest.json + step-N/)
 *   metrics/<stage>.jsonl           one JSON object per line: { step, name, value, time }
 *   bench/report.json, report.md    the benchmark (issue 5), BenchReport
 *   bench/predictions/<dataset>/index.json   PredictionIndex: test images, truth and predicted label PNGs
 */

export const ARTIFACTS = {
  run: 'run.json',
  config: 'config.json',
  cacheDir: 'cache',
  cacheIndex: 'cache/index.json',
  thumbsDir: 'thumbs',
  thumbsIndex: 'thumbs/index.json',
  scores: 'scores/scores.json',
  embeddings: 'scores/embeddings.f32',
  difficulty: 'scores/difficulty.f32',
  patchErrors: 'scores/patch-errors.f32',
  projection: 'scores/projection.f32',
  umap: 'scores/umap.f32',
  keyPatches: 'patches/key-patches.json',
  selectionDir: 'selection',
  synthDir: 'synth',
  synthIndex: 'synth/index.json',
  synthSamples: 'synth/samples.f32',
  duplicates: 'curation/duplicates.json',
  checkpointsDir: 'checkpoints',
  metricsDir: 'metrics',
  benchDir: 'bench',
  benchReport: 'bench/report.json',
  benchReportMarkdown: 'bench/report.md',
  predictionsDir: 'bench/predictions',
} as const;

/** A training stage's metrics (`stage` is a stage name or a plain checkpoint name, names.ts). */
export function metricsFile(stage: string): string {
  return `${ARTIFACTS.metricsDir}/${stage}.jsonl`;
}

export function selectionFile(method: string): string {
  return `${ARTIFACTS.selectionDir}/${method}.json`;
}

/** The folder of one downstream data set's predictions; `dataset` must be a plain name (names.ts). */
export function predictionsFolder(dataset: string): string {
  return `${ARTIFACTS.predictionsDir}/${dataset}`;
}

export function predictionIndexFile(dataset: string): string {
  return `${predictionsFolder(dataset)}/index.json`;
}
