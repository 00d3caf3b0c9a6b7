/**
 * Messages between the extension host and the run views (embedding map, histogram, gallery,
 * segmentation results). One place for both sides: the host builds `RunViewData` from the run
 * folder, the views post requests back. Everything a view sends is checked by `parseViewToHost`
 * before the host acts on it: a webview is untrusted input.
 */
import type { BenchReport, DuplicateGroup, KeyPatch, SelectionFile, SynthSample } from './artifacts';
import type { MetricSeries } from './metrics';
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

export type HostToView =
  | { type: 'data'; data: RunViewData }
  /** A stage of this run changed or reported progress (live update while it runs). */
  | { type: 'progress'; stage: string; status?: StageStatus; done?: number; total?: number; message?: string }
  | { type: 'file'; requestId: number; bytes?: Uint8Array; error?: string }
  | { type: 'saved'; method: string; include: number[]; exclude: number[] }
  /** Show this sample (the gallery scrolls to it and opens its details), e.g. from a notebook's "open in gallery". */
  | { type: 'focusSample'; sampleId: number }
  /** The sample view's data for one sample, or why it could not be served. */
  | { type: 'sample'; sampleId: number; sample?: SampleView; error?: string }
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
  | { type: 'openSample'; sampleId: number };

export class ViewMessageError extends Error {
  override name = 'ViewMessageError';
}

const MAX_IDS = 1_000_000;

/** Checks a message from a webview; throws ViewMessageError naming the bad field. */
export function parseViewToHost(raw: unknown): ViewToHost {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ViewMessageError('view message must be an object');
  const msg = raw as Record<string, unknown>;
  switch (msg.type) {
    case 'ready':
      return { type: 'ready' };
    case 'readFile': {
      const requestId = msg.requestId;
      if (typeof requestId !== 'number' || !Number.isSafeInteger(requestId) || requestId < 0)
        throw new ViewMessageError('"requestId" must be a non-negative integer');
      if (typeof msg.path !== 'string' || msg.path.length === 0 || msg.path.length > 1000)
        throw new ViewMessageError('"path" must be a non-empty string');
      return { type: 'readFile', requestId, path: msg.path };
    }
    case 'saveManual': {
      if (typeof msg.method !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(msg.method))
        throw new ViewMessageError('"method" must be a method name (letters, digits, - and _)');
      return {
        type: 'saveManual',
        method: msg.method,
        include: ids(msg.include, 'include'),
        exclude: ids(msg.exclude, 'exclude'),
      };
    }
    case 'loadSample':
    case 'revealSource':
    case 'openSample':
      return { type: msg.type, sampleId: sampleId(msg.sampleId) };
    default:
      throw new ViewMessageError(`unknown view message type ${JSON.stringify(msg.type)}`);
  }
}

function sampleId(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new ViewMessageError(`"sampleId" must be a non-negative integer sample id, got ${JSON.stringify(value)}`);
  return value;
}

function ids(value: unknown, key: string): number[] {
  if (!Array.isArray(value) || value.length > MAX_IDS)
    throw new ViewMessageError(`"${key}" must be an array of sample ids`);
  for (const v of value) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw new ViewMessageError(`"${key}" must hold non-negative integer sample ids, got ${JSON.stringify(v)}`);
  }
  return [...new Set(value as number[])].sort((a, b) => a - b);
}
