/**
 * Messages between the extension host and the run views (embedding map, histogram, gallery,
 * segmentation results). One place for both sides: the host builds `RunViewData` from the run
 * folder, the views post requests back. Everything a view sends is checked by `parseViewToHost`
 * before the host acts on it: a webview is untrusted input.
 */
import type { BenchReport, DuplicateGroup, KeyPatch, SelectionFile, SynthSample } from './artifacts';
import type { MetricSeries } from './metrics';
import { fieldReaders } from './messageKit';
import type { MetadataColumn } from './sampleMetadata';
import type { StageStatus } from './protocol';
import type { SampleResult } from './commands';

export const VIEW_KINDS = ['embeddingMap', 'histogram', 'gallery', 'segmentation', 'curves', 'sample'] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];

export const VIEW_TITLES: Record<ViewKind, string> = {
  embeddingMap: 'Embedding Map',
  histogram: 'Difficulty Histogram',
  gallery: 'Sample Gallery',
  segmentation: 'Segmentation Results',
  curves: 'Training Curves',
  sample: 'Sample',
};

/**
 * One sample at full resolution for the sample view: what `optidel sample` serves, its NIfTI
 * slabs as bytes (NiiVue opens them from an ArrayBuffer) instead of base64.
 */
export type SampleView = Omit<SampleResult, 'nifti' | 'mask' | 'patchesNifti' | 'written'> & {
  nifti: Uint8Array;
  mask?: { dataset: string; labels: number[]; nifti: Uint8Array };
  patches?: Uint8Array;
};

/** Thumbnail atlases with their URLs already made loadable by the webview. */
export interface ThumbsInfo {
  size: number;
  columns: number;
  atlasUrls: string[];
  positions: Record<string, [number, number, number]>;
}

/** One downstream data set's prediction index, with image URLs for display and run-relative paths for pixel reads. */
export interface PredictionsView {
  dataset: string;
  imageSize: number;
  classes: string[];
  samples: Array<{ name: string; imageUrl: string; truthPath: string }>;
  runs: Array<{ method: string; seed: number; predictionPaths: string[]; sampleIoU?: Array<Array<number | null>> }>;
}

/** What a view shows of a run. Parts a view does not need, or that a stage has not written yet, are absent. */
export interface RunViewData {
  runName: string;
  /** The run folder; the view keeps it in its state so the panel serializer can reopen it. */
  runDir: string;
  /** Pool size N (0 before ingest). */
  samples: number;
  imageSize: number;
  /** Distinct source files, and per sample the index into it. */
  sources: string[];
  sourceOf?: Uint16Array;
  /** Distinct acquisitions (volume, series, frame sequence, user group) and per sample the index into it; absent when each source is its own. */
  acquisitions?: string[];
  acquisitionOf?: Uint16Array;
  /** Slice index per sample (-1 for 2D images). */
  sliceOf?: Int32Array;
  /** N x 2, interleaved. */
  projection?: Float32Array;
  /** N x 2 UMAP layout, interleaved (optidel umap), when the run has one. */
  umap?: Float32Array;
  difficulty?: Float32Array;
  /** What the difficulty measures (scores/scores.json `difficulty`: normalised, intensity, pvi). */
  difficultyScore?: string;
  /** Per-sample curation scores (optidel sample-scores); absent when not computed, or stale for the embeddings. */
  sampleScores?: SampleScoresView;
  /** Metadata columns per sample (curation/metadata.json: DICOM tags, NIfTI header, CSV columns). */
  metadata?: MetadataColumn[];
  keyPatches?: KeyPatch[];
  selections: SelectionFile[];
  synth?: SynthSample[];
  thumbs?: ThumbsInfo;
  bench?: BenchReport;
  predictions?: PredictionsView[];
  /** Duplicate groups (curation/duplicates.json), when `optidel duplicates` has run. */
  duplicates?: DuplicateGroup[];
  /** Every metric of every training in metrics/ (loss, learning rate, fine-tuning scores). */
  metrics?: MetricSeries[];
  stages: Record<string, StageStatus>;
  /** Files that were missing or unreadable, named with the reason; the view shows them. */
  problems: string[];
}

export interface SampleScoresView {
  uniqueness: Float32Array;
  representativeness: Float32Array;
  cluster: Uint16Array;
  hardestPatch: Float32Array;
  clusters: number;
}

export type HostToView =
  | { type: 'data'; data: RunViewData }
  /** A stage of this run changed or reported progress (live update while it runs). */
  | { type: 'progress'; stage: string; status?: StageStatus; done?: number; total?: number; message?: string }
  | { type: 'file'; requestId: number; bytes?: Uint8Array; error?: string }
  | { type: 'saved'; method: string; include: number[]; exclude: number[] }
  /** Show this sample (the gallery scrolls to it and opens its details), e.g. from a notebook's "open in gallery". */
  | { type: 'focusSample'; sampleId: number; findSimilar?: boolean }
  /** The sample view's data for one sample, or why it could not be served. */
  | { type: 'sample'; sampleId: number; sample?: SampleView; error?: string }
  /** A sample's nearest neighbours in embedding space (the engine's `similar`), or why there are none. */
  | { type: 'similar'; sampleId: number; neighbours?: Array<{ id: number; similarity: number }>; error?: string }
  | { type: 'error'; message: string };

export type ViewToHost =
  | { type: 'ready' }
  /** Bytes of a file inside the run folder (label maps whose pixels the view reads). */
  | { type: 'readFile'; requestId: number; path: string }
  /** Manual curation from the gallery, saved into selection/<method>.json's `manual`. */
  | { type: 'saveManual'; method: string; include: number[]; exclude: number[] }
  /** The sample view asks for a sample's source at full resolution (served by the engine). */
  | { type: 'loadSample'; sampleId: number }
  /** Show a sample's source file in the Explorer or the OS file manager (one the engine has served). */
  | { type: 'revealSource'; sampleId: number }
  /** Open the sample view at this sample (from the gallery or the embedding map). */
  | { type: 'openSample'; sampleId: number }
  /** The samples most similar to this one (answered by a 'similar' message). */
  | { type: 'findSimilar'; sampleId: number };

export class ViewMessageError extends Error {
  override name = 'ViewMessageError';
}

const MAX_IDS = 1_000_000;
const read = fieldReaders((message) => new ViewMessageError(message), 'view message');

/** Checks a message from a webview; throws ViewMessageError naming the bad field. */
export function parseViewToHost(raw: unknown): ViewToHost {
  const msg = read.object(raw, 'view message');
  switch (msg.type) {
    case 'ready':
      return { type: 'ready' };
    case 'readFile':
      return {
        type: 'readFile',
        requestId: read.id(msg, 'requestId'),
        path: read.string(msg, 'path', { maxLength: 1000, pattern: /./, what: 'a non-empty string' }),
      };
    case 'saveManual':
      return {
        type: 'saveManual',
        method: read.string(msg, 'method', {
          pattern: /^[A-Za-z0-9_-]{1,64}$/,
          what: 'a method name (letters, digits, - and _)',
        }),
        include: read.idList(msg, 'include', MAX_IDS),
        exclude: read.idList(msg, 'exclude', MAX_IDS),
      };
    case 'loadSample':
    case 'revealSource':
    case 'openSample':
    case 'findSimilar':
      return { type: msg.type, sampleId: read.id(msg, 'sampleId') };
    default:
      throw read.unknownType(msg);
  }
}
