/**
 * The workspace config file `optidel.json` (schema: schemas/optidel.schema.json). Relative paths
 * are relative to the config file. The engine validates it on load with errors that name the key.
 */
import schema from './schemas/optidel.schema.json';

/** The image sizes a config may ask for (the schema's bounds): a run's cache or view claiming another was not made by one. */
export const IMAGE_SIZE_RANGE = { min: schema.properties.imageSize.minimum, max: schema.properties.imageSize.maximum };

/**
 * The most `ingest.maxVoxels` and `ingest.maxBytes` a config may set (the schema's maxima, four
 * times the defaults): a shared optidel.json raising them further is refused on load, naming the
 * key and the ceiling, so it cannot make the engine allocate tens of GB for one file.
 */
export const INGEST_CEILINGS = {
  maxVoxels: schema.properties.ingest.properties.maxVoxels.maximum,
  maxBytes: schema.properties.ingest.properties.maxBytes.maximum,
};

export function isImageSize(value: unknown): value is number {
  return (
    Number.isInteger(value) && (value as number) >= IMAGE_SIZE_RANGE.min && (value as number) <= IMAGE_SIZE_RANGE.max
  );
}

export type SliceAxisName = 'axial' | 'coronal' | 'sagittal';

export interface DownstreamDataset {
  name: string;
  /** A volume, or a folder of 2D images or volumes (absent when `dataset` is given). */
  images?: string;
  /** The label map matching `images`: a volume, or a folder of label maps matched by name. */
  labels?: string;
  /** A Medical Segmentation Decathlon or nnU-Net v2 `dataset.json`, or its folder: instead of `images` and `labels`. */
  dataset?: string;
  /** Class names by label value; discovered from the labels when absent. */
  classes?: string[];
  /** Axis along which volumes are sliced (default axial). */
  axis?: SliceAxisName;
  /** Regex over each image's path (relative to `images`) whose first group names its acquisition, for the splits. */
  acquisition?: string;
}

export type IntensityMode = 'auto' | 'ct' | 'percentile' | 'minmax';

export interface IntensitySettings {
  /** auto: CT window for CT, percentiles for other scalar data, plain scaling for 8-bit images. */
  mode?: IntensityMode;
  /** CT window in Hounsfield units; overrides the DICOM header's. */
  window?: { level: number; width: number };
  /** Low and high percentiles mapped to 0 and 1. */
  percentiles?: [number, number];
}

export interface IngestSettings {
  axes?: SliceAxisName[];
  intensity?: IntensitySettings;
  /** Slices with less than this fraction of non-background pixels are skipped as empty. */
  emptyFraction?: number;
  /** Headers declaring more voxels than this are refused before anything is allocated. */
  maxVoxels?: number;
  /** Headers whose voxel data takes more bytes than this decoded are refused before it is read or inflated. */
  maxBytes?: number;
  frames?: 'all' | 'first';
  exclude?: string[];
  /** A regular expression over source paths whose first capture group names a sample's acquisition (docs/data.md). */
  group?: string;
  /** A CSV of the user's per-file columns, relative to the config file (docs/curation.md, "Metadata"). */
  metadata?: string;
}

export interface OptidelConfig {
  /** Files, folders or globs making the pre-training pool. */
  pool: string[];
  downstream: DownstreamDataset[];
  /** Model resolution in pixels (square). */
  imageSize: number;
  /** Fraction of the pool (0 < b <= 1) or a count of images (> 1). */
  budget: number;
  seed: number;
  ingest?: IngestSettings;
  /** Further sections (intensity, slicing, model, training, selection...) are added by the stages that own them. */
  [section: string]: unknown;
}

export const CONFIG_DEFAULTS = {
  imageSize: 64,
  budget: 0.1,
  seed: 0,
  axes: ['axial'] as SliceAxisName[],
  percentiles: [0.5, 99.5] as [number, number],
  ctWindow: { level: 40, width: 400 },
  emptyFraction: 0.05,
  maxVoxels: 268_435_456,
  maxBytes: 1_073_741_824,
} as const;
