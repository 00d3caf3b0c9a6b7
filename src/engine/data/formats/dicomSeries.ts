/** DICOM series: files of one folder grouped by series, ordered along the slice normal, stacked into volumes. */
import type { Volume } from '../volume';
import { UnusableFileError } from './errors';

export interface DicomSeriesResult {
  volumes: Array<{ source: string; volume: Volume }>;
  skipped: Array<{ path: string; error: unknown }>;
}

export async function readDicomSeries(files: readonly string[], _maxVoxels: number): Promise<DicomSeriesResult> {
  return { volumes: [], skipped: files.map((path) => ({ path, error: new UnusableFileError(`${path}: DICOM reading is not implemented yet`) })) };
}
