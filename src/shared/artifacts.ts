/**
 * The typed contents of a run folder's artifacts (which file holds what). Where each one lives is
 * spelled once in run/layout.ts, re-exported here for the modules that import both.
 */
export { ARTIFACTS, metricsFile, predictionIndexFile, predictionsFolder, selectionFile } from './run/layout';

import type { DifficultyScore, ScoreRuntime } from './commands';

/** Where one sample came from: enough to find it again in the user's data. */
export interface Provenance {
  /** Source file (absolute), or the series folder for DICOM. */
  source: string;
  /**
   * The acquisition the sample belongs to (docs/data.md, "Acquisitions"), when it is not the source
   * itself: a sequence of 2D frames, or a group named by `ingest.group`. Selection spreads over these.
   */
  acquisition?: string;
  /** For volumes: the axis sliced (0 = sagittal x, 1 = coronal y, 2 = axial z) and the slice index. */
  axis?: 0 | 1 | 2;
  slice?: number;
  /** 4D volumes and videos: the frame / volume index. */
  frame?: number;
  /** Size before resizing, width x height. */
  originalSize: [number, number];
  /** How intensities were mapped, e.g. "ct-window L40 W400", "percentile 0.5-99.5", "8-bit". */
  intensity: string;
}

export interface CacheSample extends Provenance {
  /** Index in the pool, 0..N-1: every per-sample artifact is ordered by it. */
  id: number;
  shard: number;
  /** Position inside the shard (in samples). */
  offset: number;
}

/** The cache index as read (cacheIndexFile.ts): on disk, version 2 keeps the samples in cache/samples.jsonl. */
export interface CacheIndex {
  version: 1 | 2;
  imageSize: number;
  channels: 1;
  /** Hash of the inputs (paths, sizes, mtimes) and the settings that shape decoding. */
  contentHash: string;
  shards: Array<{ file: string; count: number }>;
  samples: CacheSample[];
  skipped: Array<{ path: string; reason: string }>;
  emptySlicesSkipped: number;
}

export interface ThumbnailAtlasIndex {
  /** Thumbnail side in pixels. */
  size: number;
  /** Thumbnails per atlas row and column. */
  columns: number;
  atlases: string[];
  /** Sample id -> [atlas index, column, row]. Generated samples use ids from SynthIndex. */
  positions: Record<string, [number, number, number]>;
}

export interface ScoresInfo {
  count: number;
  embeddingDim: number;
  patchesPerSide: number;
  masksPerSample: number;
  model: string;
  /** The difficulty score of difficulty.f32 and patch-errors.f32 (absent in runs before it was chosen: normalised). */
  difficulty?: DifficultyScore;
  /** What ran the model (absent in runs before it could be chosen: tfjs). */
  runtime?: ScoreRuntime;
  /** The file embeddings.f32 was imported from (`optidel embeddings`); absent: the model's own. */
  embeddingSource?: string;
}

export interface KeyPatch {
  id: number;
  sampleId: number;
  /** Pixel box in the cached sample: x, y, width, height. */
  box: [number, number, number, number];
  /** Masked reconstruction error of the patch, mean over K masks (filled by the score stage). */
  difficulty?: number;
  /** 'auto' (our proposer) or 'user' (from a masks/boxes file). */
  origin: 'auto' | 'user';
}

/** A run's key patches in memory; on disk a header and JSON Lines (src/shared/node/keyPatchesFile.ts). */
export interface KeyPatchFile {
  proposer: string;
  patches: KeyPatch[];
  /** How our windows were proposed (absent: user boxes only, or a file from before it was recorded), so collaborative rounds propose again the same way. */
  windows?: { perImage: number; windowFraction: number };
}

/**
 * V-information of a set of images (docs/selection.md), nats per masked value above the
 * unit-variance Gaussian's log(2π)/2: hYEmpty the diversity term, hYGivenX the difficulty term.
 */
export interface VInformationEstimate {
  hYEmpty: number;
  hYGivenX: number;
  value: number;
  /** Bootstrap 95% percentile intervals over the images measured. */
  interval?: { hYEmpty: [number, number]; hYGivenX: [number, number]; value: [number, number] };
  images?: number;
  resamples?: number;
  /** What was measured: the selected images, or the mosaics a patch-based selection trains on. */
  measuredOn?: 'selected images' | 'mosaics';
}

/** How many picks of optidel's selection went past which diversity rule (all 0 when they held in full). */
export interface RelaxedPicks {
  /** Patches of samples within the (smallest) near-duplicate distance of a selected one, taken inside the quotas. */
  nearDuplicate: number;
  /** Patches beyond their acquisition's quota (the quotas were doubled `capDoublings` times). */
  acquisitionCap: number;
  capDoublings: number;
  /** Patches missing from M x B because the pool has no more outside exact duplicates. */
  short: number;
  /** The near-duplicate cosine distance the picks were spread at: the configured one, halved `distanceHalvings` times to fill the budget. */
  nearDuplicateDistance?: number;
  distanceHalvings?: number;
}

export interface SelectionFile {
  version: 1;
  method: string;
  /** As asked: a fraction of the pool or a count. */
  budget: number;
  seed: number;
  /** Selected pool samples (ids), in selection order. */
  selected: number[];
  /** For patch-based methods: the selected key patches. */
  patches?: number[];
  /** V-information estimate of the subset, in nats per masked patch value (see OPTIDEL.md). */
  vInformation?: VInformationEstimate;
  /** Patch-based methods: picks that went past a diversity rule, by rule (docs/selection.md). */
  relaxed?: RelaxedPicks;
  /** Hand curation from the gallery, applied by the next stage. */
  manual?: { include: number[]; exclude: number[] };
  /** The method options it was made with beyond budget and seed, so a reselection (collaborative rounds) makes it the same way. */
  options?: SelectionMethodOptions;
  createdAt: string;
}

/**
 * The hierarchy a selection was made on (engine/selection/hierarchicalKMeans.ts). `branching` is
 * the setting a reselection takes again (the collaborative rounds); `levels` and `leaves` describe
 * the tree this selection built, which depends on the embeddings, so a reselection builds its own.
 */
export interface SelectionHierarchy {
  /** Children per cluster at most. */
  branching: number;
  /** Levels of clusters below the whole pool (0: the pool was one leaf). */
  levels: number;
  leaves: number;
}

/** The options `optidel select` takes for particular methods (src/engine/commands/select.ts). */
export interface SelectionMethodOptions {
  clusters?: number;
  /** Made on the hierarchical path (`select --hierarchical`, docs/scale-out.md); absent: the exact method. */
  hierarchical?: SelectionHierarchy;
  /** The metadata column the budget was split across (`select --balance-by`, selection/balance.ts). */
  balanceBy?: string;
  optidel?: { sourceCapFactor?: number; minCosineDistance?: number };
  meddel?: { outlierDistance?: number };
}

/** A group of duplicates in the pool (`optidel duplicates`). */
export interface DuplicateGroup {
  /** exact: bit-identical embeddings (identical images); near: joined by similarity at or above the threshold. */
  kind: 'exact' | 'near';
  /** Pool sample ids, ascending: the first is the one a de-duplication keeps. */
  members: number[];
  /** Members whose decoded pixels are identical to an earlier member's (re-exported copies). */
  identical: number;
  /** Cosine similarity (centred embeddings) of the least similar member to the first. */
  minSimilarity: number;
  /**
   * Each member's similarity to the first, in `members` order (the first's is 1), so a view can
   * regroup at a stricter threshold without the engine (webview/gallery/model.ts). Absent in files
   * written before it was kept.
   */
  similarity?: number[];
}

export interface DuplicatesFile {
  version: 1;
  /** The threshold the near-duplicates were found with. */
  minSimilarity: number;
  /** What the similarity is measured on. */
  space: string;
  groups: DuplicateGroup[];
  createdAt: string;
}

/** The per-sample scores of curation/sample-scores.f32, one column each, in this order. */
export const SAMPLE_SCORE_COLUMNS = ['uniqueness', 'representativeness', 'cluster', 'hardestPatch'] as const;
export type SampleScoreColumn = (typeof SAMPLE_SCORE_COLUMNS)[number];

/** A file's size and modification time: the scores record their embeddings' stamp, so a changed file marks them stale. */
export interface FileStamp {
  bytes: number;
  mtimeMs: number;
}

/**
 * curation/sample-scores.json (`optidel sample-scores`): what the N x C Float32 rows of
 * curation/sample-scores.f32 hold. uniqueness: cosine distance to the nearest other sample;
 * representativeness: cosine similarity to its k-means cluster's centroid; cluster: that cluster
 * (0..clusters-1); hardestPatch: the largest per-patch error (scores/patch-errors.f32).
 */
export interface SampleScoresInfo {
  version: 1;
  count: number;
  columns: SampleScoreColumn[];
  clusters: number;
  seed: number;
  /** scores/embeddings.f32 as it was when these were computed; another stamp now means they are stale. */
  embeddings: FileStamp;
  createdAt: string;
}

/**
 * curation/similarity-index.json: what the HNSW graph in curation/similarity-index.usearch was
 * built from (curation/runIndex.ts). Another embeddings stamp, count, dimension or setting means
 * the graph is stale and is built again.
 */
export interface SimilarityIndexInfo {
  version: 1;
  /** The rows the graph holds: the embeddings centred by their mean, as the duplicate groups use. */
  space: 'centred';
  count: number;
  dim: number;
  settings: { metric: string; connectivity: number; expansionAdd: number; expansionSearch: number };
  embeddings: FileStamp;
  /** The graph file as written, checked before the native reader is given it (a damaged one can make it allocate without bound). */
  graph: { bytes: number; sha256: string };
  createdAt: string;
}

/**
 * curation/metadata.json (written at ingest): columns to filter and balance by, per source file
 * (CacheSample.source): DICOM tags, NIfTI header fields and the user's CSV columns.
 */
export interface MetadataFile {
  version: 1;
  /** Every column some source has, in a stable order (tags first, then CSV columns). */
  columns: string[];
  sources: Record<string, Record<string, string>>;
  /** The CSV the user columns came from (ingest.metadata), as named in the config. */
  csv?: string;
  /** Rows and files that could not be used, with the reason. */
  problems: string[];
  createdAt: string;
}

export interface SynthSample {
  /** Ids of generated samples continue after the pool's: N, N+1, ... */
  id: number;
  kind: 'mosaic' | 'adversarial';
  /** The pool samples (and key patches) it was made from, in reading order. */
  parts: Array<{ sampleId: number; patchId?: number; box?: [number, number, number, number] }>;
  /** Mosaics: 2x2 layout order. */
  note?: string;
  /** What adversarial augmentation did to it (hardened mosaics, and pool images replaced by their hardened version, kind 'adversarial'). */
  hardened?: string;
}

export interface SynthIndex {
  version: 1;
  imageSize: number;
  samples: SynthSample[];
  /** The selection these samples were made from, as it was (when made, hand curation): training another selection, or this one after it changed, must not take them. */
  madeFrom?: Pick<SelectionFile, 'method' | 'createdAt' | 'manual'>;
  /** The compact set's pool images, trained on as they are beside `samples` (pipeline/compactSet.ts). */
  pool?: number[];
  /** What a patch-based selection trains on ('mosaics', 'mosaics+selected', 'selected'), or 'selected images'. */
  images?: string;
}

/** One measured cell of the benchmark: a method and seed pre-trained, fine-tuned on one data set. */
export interface BenchCell {
  method: string;
  seed: number;
  dataset: string;
  /** Fraction of the pool (or count) the method kept. */
  budget: number;
  /** Headline mIoU (without background), in [0, 1]. */
  mIoU: number;
  mIoUWithBackground?: number;
  dice: number;
  normDel: number;
  /** Per class (dataset's class order), null where the class is absent from truth and prediction. */
  perClassIoU?: Array<number | null>;
  pretrainSteps: number;
  seconds: number;
  backend: string;
}

/** bench/report.json. */
export interface BenchReport {
  version: 1;
  createdAt: string;
  /** Class names per downstream data set. */
  classes?: Record<string, string[]>;
  cells: BenchCell[];
}

/**
 * bench/predictions/<dataset>/index.json: a few test samples of one downstream data set with each
 * method's prediction, for the segmentation results view. Every path is relative to the index's
 * folder; images are 8-bit grey PNGs of imageSize², label maps are 8-bit PNGs whose pixel value is
 * the class index (0 = background). Suggested names: images/<i>.png, truth/<i>.png,
 * <method>-seed<seed>/<i>.png.
 */
export interface PredictionIndex {
  version: 1;
  dataset: string;
  imageSize: number;
  classes: string[];
  /** The data set as seed 0 splits it (`labelledDataDigest`): the images shown are its test images. */
  data?: string;
  samples: Array<{ name: string; image: string; truth: string }>;
  runs: Array<{
    method: string;
    seed: number;
    /** One label-map PNG per sample, in the order of `samples`. */
    predictions: string[];
    /** Per sample, per class IoU on that sample (null where the class is absent from truth and prediction). */
    sampleIoU?: Array<Array<number | null>>;
  }>;
}
