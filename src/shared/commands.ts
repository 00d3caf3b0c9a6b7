/**
 * The engine's commands, as both the command line and the extension host see them.
 *
 * Each entry names a command, the arguments it takes (camelCase keys; the command line spells them
 * as --kebab-case flags) and the JSON object it returns. The engine implements each one once
 * (src/engine/commands/) and serves it to the terminal and to the host alike.
 */
import type { RelaxedPicks, SelectionHierarchy, VInformationEstimate } from './artifacts';
import type { BackendName, EngineInfo } from './engineInfo';

export interface EngineCommands {
  info: { args: InfoArgs; result: EngineInfo };
  ingest: { args: IngestArgs; result: IngestResult };
  'demo-data': { args: DemoDataArgs; result: DemoDataResult };
  export: { args: ExportArgs; result: ExportResult };
  pretrain: { args: PretrainArgs; result: PretrainResult };
  score: { args: ScoreArgs; result: ScoreResult };
  propose: { args: ProposeArgs; result: ProposeResult };
  bench: { args: BenchArgs; result: BenchResult };
  finetune: { args: FinetuneArgs; result: FinetuneResult };
  select: { args: SelectArgs; result: SelectResult };
  synthesize: { args: SynthesizeArgs; result: SynthesizeResult };
  train: { args: TrainArgs; result: TrainResult };
  run: { args: RunArgs; result: RunResult };
  runs: { args: RunsArgs; result: RunsResult };
  similar: { args: SimilarArgs; result: SimilarResult };
  sample: { args: SampleArgs; result: SampleResult };
  duplicates: { args: DuplicatesArgs; result: DuplicatesResult };
  umap: { args: UmapArgs; result: UmapResult };
  embeddings: { args: EmbeddingsArgs; result: EmbeddingsResult };
  merge: { args: MergeArgs; result: MergeResult };
  'sample-scores': { args: SampleScoresArgs; result: SampleScoresResult };
}

export const SELECTION_METHOD_NAMES = ['optidel', 'random', 'meddel', 'prototypes', 'kcenter', 'easy', 'full'] as const;
export type SelectionMethodName = (typeof SELECTION_METHOD_NAMES)[number];
/** The methods with a hierarchical path (`select --hierarchical`, docs/scale-out.md). */
export const HIERARCHICAL_METHOD_NAMES: readonly SelectionMethodName[] = ['kcenter', 'prototypes', 'meddel', 'optidel'];

/**
 * How `score` and `propose` measure a sample's or key patch's difficulty (docs/selection.md,
 * "Difficulty"): masked reconstruction error on per-patch normalised pixels (the MAE's own loss),
 * the same error in intensity units, or minus the pointwise V-information (PVI).
 */
export const DIFFICULTY_SCORES = ['normalised', 'intensity', 'pvi'] as const;
export type DifficultyScore = (typeof DIFFICULTY_SCORES)[number];
/** The score used when neither a flag nor the config's `selection.difficulty` names one; chosen by the benchmark (docs/selection.md). */
export const DEFAULT_DIFFICULTY: DifficultyScore = 'normalised';

/**
 * What runs the model where `score` and `propose` score (and `run`, which passes it to both): the
 * engine's TensorFlow.js backend, or onnxruntime-node on the engine's own ONNX export of it
 * (optional, installed by the user; docs/interop.md).
 */
export const SCORE_RUNTIMES = ['tfjs', 'onnxruntime'] as const;
export type ScoreRuntime = (typeof SCORE_RUNTIMES)[number];
/** The runtime when neither a flag (or the VS Code setting) nor the run config's `model.runtime` names one. */
export const DEFAULT_SCORE_RUNTIME: ScoreRuntime = 'tfjs';

/** `optidel select`: one selection method on the run's scores -> selection/<method>.json. */
export interface SelectArgs {
  run: string;
  method: SelectionMethodName;
  /** Fraction of the pool (0 < b <= 1) or a count (> 1); default the config's budget. */
  budget?: number;
  seed?: number;
  /** Random masks per sample for the V-information estimate. */
  masks?: number;
  /** k-means clusters of meddel and prototypes (default about √N, at most 100). */
  clusters?: number;
  /** kcenter, prototypes, meddel, optidel: hierarchical k-means with balanced sampling, the method choosing inside each cluster (optidel: hardest patches first within the acquisition quotas; docs/scale-out.md). */
  hierarchical?: boolean;
  /** optidel: a source may give at most this multiple of its fair share of key patches (default 1). */
  sourceCapFactor?: number;
  /** optidel: samples closer than this cosine distance to a selected one are near-duplicates (default 0.05; not with --hierarchical). */
  minCosineDistance?: number;
  /** meddel: cosine distance to the centroid beyond which a sample is an outlier (default 0.9). */
  outlierDistance?: number;
  /** A metadata column (curation/metadata.json) to split the budget across in proportion to its values' pool shares; default the config's selection.balanceBy. */
  balanceBy?: string;
}
export interface SelectResult {
  method: string;
  budget: number;
  /** Selected pool samples (count). */
  selected: number;
  /** Selected key patches (optidel). */
  patches?: number;
  /** optidel: picks that went past a diversity rule, by rule. */
  relaxed?: RelaxedPicks;
  vInformation?: VInformationEstimate;
  /** With --balance-by: the column and how many were selected per value. */
  balance?: { column: string; parts: Array<{ value: string; pool: number; selected: number }> };
  /** With --hierarchical: the hierarchy the selection was made on. */
  hierarchy?: SelectionHierarchy;
  file: string;
}

/** `optidel synthesize`: a selection's compact set (mosaics, a fraction hardened adversarially) -> synth/. */
export interface SynthesizeArgs {
  run: string;
  /** The selection to generate from (default: the run's last selection). */
  method?: SelectionMethodName;
  seed?: number;
  /** What a key-patch selection trains on (default mosaics). */
  images?: OptidelImages;
  /** Fraction of the compact set hardened in place (0 turns it off). */
  adversarialFraction?: number;
  adversarialCandidates?: number;
  epsilon?: number;
  adversarialSteps?: number;
}
export interface SynthesizeResult {
  method: string;
  /** Images in the compact set (pool images as they are plus generated ones). */
  images: number;
  pool: number;
  mosaics: number;
  /** Mean masked error of the hardened images before and after (masks the hardening did not use). */
  hardening?: { before: number; after: number };
  adversarial: number;
  file: string;
}

/** `optidel train`: pre-training on the compact set at equal compute -> checkpoints/train. */
export interface TrainArgs {
  run: string;
  method?: SelectionMethodName;
  preset?: MaePreset;
  steps?: number;
  batchSize?: number;
  /** Collaborative rounds (re-score, reselect, regenerate between rounds); default 1. */
  rounds?: number;
  /** Data-parallel training threads in this run (default: the cores, capped by the batch size). */
  workers?: number;
  /** What re-scores the pool between rounds (default: the config's model.runtime, else tfjs). */
  runtime?: ScoreRuntime;
  fresh?: boolean;
}
export interface TrainResult {
  method: string;
  samples: number;
  generated: number;
  steps: number;
  rounds: number;
  finalLoss: number;
  seconds: number;
  imagesPerSecond: number;
  /** Data-parallel training threads it ran on. */
  workers: number;
  /** What re-scored the pool between rounds; absent with one round. */
  runtime?: ScoreRuntime;
  checkpoint: string;
}

/** `optidel run`: every stage in order (ingest, pretrain, score, propose, select, synthesize, train); done stages are skipped. */
export interface RunArgs {
  config: string;
  out: string;
  method: SelectionMethodName;
  budget?: number;
  seed?: number;
  preset?: MaePreset;
  /** Optimiser steps of both pre-trainings (equal compute). */
  steps?: number;
  batchSize?: number;
  rounds?: number;
  /** What runs the model in score, propose and train's rounds (default: the config's model.runtime, else tfjs). */
  runtime?: ScoreRuntime;
}
export interface RunResult {
  runDir: string;
  method: string;
  /** Per stage: ran now, or skipped because an earlier run finished it. */
  stages: Record<string, 'ran' | 'skipped'>;
  selected: number;
  generated: number;
  vInformation?: { hYEmpty: number; hYGivenX: number; value: number };
  trainLoss: number;
  seconds: number;
}

/** Segmentation heads on the encoder's patch tokens (src/engine/downstream/segHead.ts). */
/** Model sizes of the MAE (src/engine/model/mae.ts holds their shapes). */
export const MAE_PRESETS = ['micro', 'tiny', 'base'] as const;
export type MaePreset = (typeof MAE_PRESETS)[number];

/** What the MAE reconstructs: each patch's pixels normalised per patch (MAE's norm_pix_loss, the default) or the raw pixels. */
export const RECONSTRUCTION_TARGETS = ['normalised', 'pixels'] as const;
export type ReconstructionTarget = (typeof RECONSTRUCTION_TARGETS)[number];

export const HEAD_KINDS = ['pixel', 'mlp', 'conv'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];

/** `optidel finetune`: segmentation on the run's pre-trained encoder (src/engine/commands/finetune.ts). */
export interface FinetuneArgs {
  run: string;
  /** The optidel.json to read; default the run's own config.json (never the path run.json records). */
  config?: string;
  checkpoint?: string;
  finetuneMode?: 'full' | 'probe';
  /** Full fine-tuning: the encoder's learning rate times this, in (0, 1] (default 1). */
  encoderLrScale?: number;
  head?: HeadKind;
  finetuneSteps?: number;
  maxTrain?: number;
  seed?: number;
}
export interface FinetuneResult {
  checkpoint: string;
  mode: string;
  head: string;
  /** Test-split scores per downstream data set; mIoU without background is the headline. */
  datasets: Array<{
    name: string;
    classes: string[];
    mIoU: number;
    mIoUWithBackground: number;
    dice: number;
    perClassIoU: Array<number | null>;
    steps: number;
    bestStep: number;
  }>;
  seconds: number;
}

/** Methods the benchmark compares by default; scratch = no pre-training. */
export const DEFAULT_BENCH_METHODS = [
  'scratch',
  'full',
  'random',
  'easy',
  'meddel',
  'prototypes',
  'kcenter',
  'optidel',
] as const;

/**
 * OptiDEL selecting by one difficulty score (`optidel` itself uses the default one): the
 * benchmark arms that compare the scores, so the default is the one measured best
 * (docs/selection.md, "Difficulty").
 */
export const DIFFICULTY_BENCH_METHODS = DIFFICULTY_SCORES.map((d) => `optidel-${d}` as const);

/** OptiDEL's steps of generation, in order: the ablation arms `optidel-<step>` stop after one (engine/bench/benchMethods.ts says what each trains on). */
export const GENERATION_STEP_NAMES = ['selected', 'mosaics', 'adversarial', 'rounds'] as const;
export type GenerationStep = (typeof GENERATION_STEP_NAMES)[number];
/** One line per ablation arm, for whoever lists the methods. */
export const GENERATION_STEP_DESCRIPTIONS: Record<GenerationStep, string> = {
  selected: "OptiDEL's selected pool images as they are, no generation",
  mosaics: "OptiDEL's mosaics of key patches, none hardened",
  adversarial: "OptiDEL's mosaics, a fraction hardened adversarially",
  rounds: "OptiDEL's hardened mosaics, re-selected with the encoder in training between collaborative rounds",
};
export const ABLATION_BENCH_METHODS = GENERATION_STEP_NAMES.map((s) => `optidel-${s}` as const);

/** Every method the benchmark knows. */
export const BENCH_METHOD_NAMES = [
  ...DEFAULT_BENCH_METHODS,
  ...DIFFICULTY_BENCH_METHODS,
  ...ABLATION_BENCH_METHODS,
] as const;
export type BenchMethodName = (typeof BENCH_METHOD_NAMES)[number];

/**
 * What `optidel` pre-trains on in the benchmark: the 2x2 mosaics of its key patches (the paper's
 * figure 2, default), the mosaics plus the images the patches came from, or those images alone.
 */
export const OPTIDEL_IMAGES = ['mosaics', 'mosaics+selected', 'selected'] as const;
export type OptidelImages = (typeof OPTIDEL_IMAGES)[number];

/** `optidel bench`: the data-efficiency benchmark (src/engine/commands/bench.ts). */
export interface BenchArgs {
  config: string;
  out: string;
  methods?: BenchMethodName[];
  /** Comma-separated budgets (fractions or counts). */
  budget?: string;
  seeds?: number;
  preset?: MaePreset;
  patchSize?: number;
  /** Masking ratio of pre-training (default: the preset's, 0.75). */
  maskRatio?: number;
  /** Pre-training's reconstruction target (default normalised). */
  reconstructionTarget?: ReconstructionTarget;
  steps?: number;
  batchSize?: number;
  finetuneSteps?: number;
  finetuneMode?: 'full' | 'probe';
  /** Full fine-tuning: the encoder's learning rate times this, in (0, 1] (default 1). */
  encoderLrScale?: number;
  head?: HeadKind;
  maxTrain?: number;
  datasets?: string[];
  optidelImages?: OptidelImages;
  /** Fraction of optidel's compact set hardened adversarially (0 turns it off). */
  optidelAdversarial?: number;
  /** Engine processes sharing the encoders (default 1: this process alone). */
  workers?: number;
  /** Only these encoders, as method:seed:budget (a worker's share; set by --workers). */
  only?: string[];
  /** The data a worker must find, as digest:seed:dataset (set by --workers, `checkDataDigests`). */
  dataDigests?: string[];
}
/** Mean headline mIoU (without background) per method and data set, at the first budget. */
export interface BenchResult {
  /** The bench folder holding report.json and report.md. */
  out: string;
  methods: string[];
  datasets: string[];
  budget: number;
  seeds: number;
  mIoU: Record<string, Record<string, number>>;
  /** Mean over data sets, per method. */
  meanMIoU: Record<string, number>;
  cells: number;
  computed: number;
  reused: number;
}

/** `optidel pretrain`: the foundation MAE on the whole pool (checkpoints/pretrain, resumable). */
export interface PretrainArgs {
  run: string;
  preset?: MaePreset;
  steps?: number;
  batchSize?: number;
  lr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  seed?: number;
  checkpointEvery?: number;
  augment?: boolean;
  /** Data-parallel training threads in this run (default: the cores, capped by the batch size). */
  workers?: number;
  /** Discard earlier checkpoints and start from step 0. */
  fresh?: boolean;
}
export interface PretrainResult {
  preset: string;
  imageSize: number;
  samples: number;
  steps: number;
  resumedFrom: number;
  finalLoss: number;
  seconds: number;
  imagesPerSecond: number;
  /** Data-parallel training threads it ran on. */
  workers: number;
  checkpoint: string;
}

/** `optidel score`: embeddings, difficulty, per-patch errors and the 2D projection of every pool sample. */
export interface ScoreArgs {
  run: string;
  masks?: number;
  seed?: number;
  batchSize?: number;
  /** Checkpoint folder under checkpoints/ to score with (default pretrain). */
  checkpoint?: string;
  /** Difficulty score (default: the config's selection.difficulty, else normalised). */
  difficulty?: DifficultyScore;
  /** One shard i/n of the pool (or auto: from the scheduler's environment); its part goes under parts/ for `merge`. */
  shard?: string;
  /** Scoring threads, each with its own backend (default: the cores; 1 on GPU backends); onnxruntime's threads with --runtime onnxruntime. */
  workers?: number;
  /** Default: the config's model.runtime, else tfjs. */
  runtime?: ScoreRuntime;
}
export interface ScoreResult {
  count: number;
  embeddingDim: number;
  masks: number;
  difficulty: DifficultyScore;
  meanDifficulty: number;
  seconds: number;
  files: string[];
  /** Scoring threads it ran on. */
  workers: number;
  runtime: ScoreRuntime;
  /** The shard scored, i/n, when sharded. */
  shard?: string;
}

/** `optidel propose`: key patches per image (ours and the user's, see docs/key-patches.md), each scored by difficulty. */
export interface ProposeArgs {
  run: string;
  perImage?: number;
  /** Window side as a fraction of the image side (default 0.5). */
  windowFraction?: number;
  /** A user key-patch file (JSON boxes or a folder of mask PNGs); default: <run>/key-patches.user.json when present. */
  user?: string;
  /** Only the user's patches, none of ours. */
  userOnly?: boolean;
  masks?: number;
  seed?: number;
  checkpoint?: string;
  /** Difficulty score of the patches (default: the one `score` used). */
  difficulty?: DifficultyScore;
  /** One shard i/n of the pool (or auto: from the scheduler's environment); its part goes under parts/ for `merge`. */
  shard?: string;
  /** Threads scoring the key patches, each with its own backend (default: the cores; 1 on GPU backends); onnxruntime's threads with --runtime onnxruntime. */
  workers?: number;
  /** What scores the key patches (default: the config's model.runtime, else tfjs). */
  runtime?: ScoreRuntime;
}
export interface ProposeResult {
  patches: number;
  auto: number;
  user: number;
  difficulty: DifficultyScore;
  meanDifficulty: number;
  skipped: Array<{ path: string; reason: string }>;
  file: string;
  /** Threads that scored the key patches. */
  workers: number;
  runtime: ScoreRuntime;
  /** The shard proposed for, i/n, when sharded. */
  shard?: string;
}

/** `optidel merge`: joins the parts of sharded ingest, score and propose runs into the run's artifacts. */
export interface MergeArgs {
  run: string;
  /** Only this stage's parts (default: every stage that has parts, in pipeline order). */
  stage?: 'ingest' | 'score' | 'propose';
  /** The checkpoint the parts must have been made with (default pretrain). */
  checkpoint?: string;
  /** The optidel.json the ingest parts must have been made from (default: the one their records name). */
  config?: string;
}
export interface MergeResult {
  stages: Array<{ stage: string; shards: number; samples: number; files: string[] }>;
}

export interface InfoArgs {
  /** Also measure the backend's fp32 matmul throughput (square matrices of this size). */
  matmulSize?: number;
  /** Repetitions of the measured matmul. */
  matmulRepeats?: number;
}

/** `optidel export`: a run's selected subset as a notebook (or its payload alone), see docs/notebook.md. */
/** What `optidel export` writes: the renderer's notebook, the subset as training files, or the encoder for PyTorch. */
export const EXPORT_KINDS = ['notebook', 'subset', 'scores', 'encoder'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
/** `--what subset --images`: the cached slices as PNG or NIfTI, or the source files themselves. */
export const SUBSET_IMAGE_FORMATS = ['png', 'nifti', 'source'] as const;
export type SubsetImageFormat = (typeof SUBSET_IMAGE_FORMATS)[number];

export interface ExportArgs {
  run: string;
  /** Default notebook. */
  what?: ExportKind;
  /** Notebook only. */
  format?: 'ipynb' | 'json';
  /** The notebook file, the subset's folder, or the encoder's .safetensors file. */
  out: string;
  /** Notebook: the method shown first (default optidel when present); subset: the one exported (default the last selected). */
  method?: string;
  /** Encoder only: the checkpoint under checkpoints/ (default train, else pretrain). */
  checkpoint?: string;
  /** Subset only: also write the subset's images into `out`/images. */
  images?: SubsetImageFormat;
  /** Subset with `images: 'source'`: symbolic links to the sources instead of copies. */
  link?: boolean;
  maxSamples?: number;
  thumbnails?: number;
  thumbnailSize?: number;
  /** Sources relative to the config's folder, the run relative to `out`'s folder. */
  relativePaths?: boolean;
  /** No paths: sources as opaque ids, the run not named. */
  stripPaths?: boolean;
}
export interface ExportResult {
  what: ExportKind;
  /** The notebook or payload file, the subset's folder, or the .safetensors file. */
  file: string;
  /** Every file written. */
  files: string[];
  /** Notebook only. */
  format?: 'ipynb' | 'json';
  /** The selection exported (the notebook's first); empty for the encoder. */
  method: string;
  methods: string[];
  /** Samples written: the notebook's pool samples, the subset's rows; 0 for the encoder. */
  samples: number;
  thumbnails: number;
  bytes: number;
  skipped: Array<{ path: string; reason: string }>;
  /** Encoder only: where the weights came from and what the file holds. */
  encoder?: { checkpoint: string; tensors: number; parameters: number };
}

/** `optidel ingest`: decode the pool named by a config into a run folder's cache and thumbnails. */
export interface IngestArgs {
  config: string;
  out: string;
  /** One shard i/n of the pool's sources, or auto (docs/scale-out.md). */
  shard?: string;
}
export interface IngestResult {
  runDir: string;
  samples: number;
  sources: number;
  skipped: Array<{ path: string; reason: string }>;
  emptySlicesSkipped: number;
  seconds: number;
  /** True when the pool was unchanged and the existing cache was kept. */
  cached: boolean;
  /** The shard i/n decoded, when sharded; its part's files. */
  shard?: string;
  files?: string[];
  /** The metadata columns kept per sample (curation/metadata.json), and how many rows or files could not be used. */
  metadata?: { columns: string[]; problems: number };
}

/** `optidel demo-data`: write the synthetic demo data set (NIfTI, PNG, optidel.json) into a folder. */
export interface DemoDataArgs {
  out: string;
  size?: 'tiny' | 'small' | 'default';
  seed?: number;
  imageSize?: number;
}
export interface DemoDataResult {
  configFile: string;
  files: number;
  seconds: number;
}

export type CommandName = keyof EngineCommands;
export type CommandArgs<N extends CommandName> = EngineCommands[N]['args'];
export type CommandResult<N extends CommandName> = EngineCommands[N]['result'];

/** Every command, in the order `optidel --help` lists them. */
export const COMMAND_NAMES = [
  'info',
  'export',
  'demo-data',
  'ingest',
  'pretrain',
  'score',
  'propose',
  'merge',
  'select',
  'synthesize',
  'train',
  'run',
  'runs',
  'similar',
  'sample',
  'duplicates',
  'sample-scores',
  'umap',
  'embeddings',
  'bench',
  'finetune',
] as const satisfies readonly CommandName[];

/** `optidel runs list` and `optidel runs show RUN`: the run folders and what each one holds. */
export interface RunsArgs {
  action?: 'list' | 'show';
  /** With show: the run folder (a path, or a name under --dir). */
  run?: string;
  /** Folder holding run folders (default .optidel/runs, as the extension's optidel.runsFolder). */
  dir?: string;
}
export interface RunSummary {
  dir: string;
  id?: string;
  createdAt?: string;
  backend?: string;
  /** Why run.json could not be read, when it could not. */
  error?: string;
  stages: Array<{ stage: string; status: string; seconds?: number; error?: string }>;
  /** Bytes on disk per top-level artifact folder or file (show only). */
  sizes?: Record<string, number>;
}
export interface RunsResult {
  runs: RunSummary[];
}

/** `optidel similar --run R --sample ID`: a sample's nearest neighbours in embedding space. */
export interface SimilarArgs {
  run: string;
  sample: number;
  /** Neighbours returned (default 10). */
  k?: number;
}
export interface SimilarResult {
  sample: { id: number; source: string; slice?: number; axis?: number; frame?: number };
  neighbours: Array<{ id: number; similarity: number; source: string; slice?: number; axis?: number; frame?: number }>;
}

/** `optidel sample --run R --sample ID`: one sample's source at full resolution, for the sample view. */
export interface SampleArgs {
  run: string;
  sample: number;
  /** Write the slab (and the mask and key-patch outlines beside it) as NIfTI files with this path stem. */
  out?: string;
}
export interface SampleResult {
  id: number;
  /** The source as the cache records it (a DICOM series: its folder, with `#series=UID` when the folder holds several). */
  source: string;
  /** The file or folder on disk holding the source, checked to lie inside the run's pool. */
  file: string;
  /** 'image' for a 2D file (served as a one-slice volume). */
  kind: 'volume' | 'image';
  /** World axis the sample was sliced along (0 sagittal, 1 coronal, 2 axial) and its frame of a 4D file. */
  axis: 0 | 1 | 2;
  frame?: number;
  /** The slab along `axis`: slices of the whole source, the first served (RAS order) and the sample's slice in the slab. */
  slab: { total: number; first: number; count: number; sampleSlice: number };
  /** Voxels along R, A, S and their size in mm. */
  dims: [number, number, number];
  spacing: [number, number, number];
  /** Default window: from the DICOM header or CT detection, else the ingest percentiles (the mapping ingest used). */
  window: { level: number; width: number; label: string };
  /** Real-valued Float32 NIfTI-1 of the slab, base64. */
  nifti: string;
  /** The label map of the labelled data set this source belongs to, in the same grid (Float32 NIfTI-1, base64). */
  mask?: { dataset: string; nifti: string; labels: number[] };
  /** Problems that left a part out (a mask of another size, an unreadable key-patch file). */
  notes: string[];
  /** The sample's key patches in the source slice's pixels (columns, rows as displayed). */
  keyPatches: Array<{
    id: number;
    x: number;
    y: number;
    width: number;
    height: number;
    difficulty?: number;
    origin: string;
  }>;
  /** Key-patch outlines as a UInt8 NIfTI-1 in the slab's grid, base64 (absent without key patches). */
  patchesNifti?: string;
  /** With --out: the files written. */
  written?: string[];
}

/** `optidel duplicates --run R`: exact and near-duplicate groups -> curation/duplicates.json. */
export interface DuplicatesArgs {
  run: string;
  /** Cosine similarity (centred embeddings) at or above which samples are near-duplicates. */
  minSimilarity?: number;
  /** Exclude every group's selected members but the first from this selection. */
  excludeFrom?: SelectionMethodName;
}
export interface DuplicatesResult {
  groups: number;
  /** Groups of identical images only. */
  exact: number;
  /** Samples whose pixels are identical to an earlier sample's. */
  identical: number;
  samplesInGroups: number;
  largest: number;
  minSimilarity: number;
  file: string;
  excluded?: { method: string; samples: number };
}

/** The fields `optidel sample-scores` can sort its rows by. */
export const SAMPLE_SCORE_SORTS = ['uniqueness', 'representativeness', 'difficulty', 'hardestPatch', 'id'] as const;
export type SampleScoreSort = (typeof SAMPLE_SCORE_SORTS)[number];

/** `optidel sample-scores --run R`: uniqueness, representativeness, cluster, hardest patch -> curation/sample-scores.*. */
export interface SampleScoresArgs {
  run: string;
  clusters?: number;
  seed?: number;
  /** Rows sorted by this field, highest first (id: ascending); default uniqueness. */
  sort?: SampleScoreSort;
  /** Rows returned (default 10; 0: every sample). */
  limit?: number;
}
export interface SampleScoreRow {
  id: number;
  source: string;
  slice?: number;
  difficulty: number;
  hardestPatch: number;
  uniqueness: number;
  representativeness: number;
  cluster: number;
  /** Index of its group in curation/duplicates.json, when it is in one. */
  duplicateGroup?: number;
  /** Per method: the sample's place (0-based) in that selection's order. */
  selectionOrder: Record<string, number>;
  /** Its source's metadata columns (curation/metadata.json). */
  metadata?: Record<string, string>;
}
export interface SampleScoresResult {
  samples: number;
  clusters: number;
  seconds: number;
  sort: SampleScoreSort;
  rows: SampleScoreRow[];
  files: string[];
}

/** `optidel umap --run R`: a seeded UMAP layout of the embeddings -> scores/umap.f32. */
export interface UmapArgs {
  run: string;
  neighbors?: number;
  minDist?: number;
  seed?: number;
}
export interface UmapResult {
  samples: number;
  seed: number;
  seconds: number;
  file: string;
}

/** `optidel embeddings --run R --file F`: embeddings made elsewhere stand for the run's. */
export interface EmbeddingsArgs {
  run: string;
  file: string;
}
export interface EmbeddingsResult {
  samples: number;
  dim: number;
  source: string;
}

/** Options every command accepts. */
export interface GlobalArgs {
  backend?: BackendName | 'auto';
  json?: boolean;
}
