/**
 * The workspace config file `optidel.json` (schema: schemas/optidel.schema.json). Relative paths
 * are relative to the config file. The engine validates it on load with errors that name the key.
 */

export interface DownstreamDataset {
  name: string;
  /** A NIfTI volume, or a folder of 2D images. */
  images: string;
  /** The label map matching `images`: a NIfTI volume, or a folder of 2D label images matched by name. */
  labels: string;
  /** Class names by label value; discovered from the labels when absent. */
  classes?: string[];
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
  /** Further sections (intensity, slicing, model, training, selection...) are added by the stages that own them. */
  [section: string]: unknown;
}
