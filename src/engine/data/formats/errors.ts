/** A file that cannot be used: ingestion skips it and reports `message` with its path. */
export class UnusableFileError extends Error {
  override name = 'UnusableFileError';
}

/** How large one source (a file, or a DICOM series) may be, checked against its header before anything is read. */
export interface InputLimits {
  /** Voxels (or pixels) one source may declare: `ingest.maxVoxels`. */
  maxVoxels: number;
  /** Bytes its decoded voxel data may take: `ingest.maxBytes`. */
  maxBytes: number;
}

/** Refuses a header that declares more voxels than the configured limit, before anything is allocated. */
export function checkVoxelLimit(count: number, maxVoxels: number, what: string): void {
  if (!Number.isFinite(count) || count <= 0) throw new UnusableFileError(`${what}: header declares an invalid size`);
  if (count > maxVoxels) {
    throw new UnusableFileError(
      `${what}: header declares ${count.toLocaleString('en')} voxels, over the limit of ${maxVoxels.toLocaleString('en')} (raise ingest.maxVoxels if the file is genuine)`,
    );
  }
}

/** Refuses a header whose voxel data would take more bytes than the budget, before any of it is read or inflated. */
export function checkByteLimit(bytes: number, maxBytes: number, what: string): void {
  if (bytes > maxBytes) {
    throw new UnusableFileError(
      `${what}: its voxel data takes ${mebibytes(bytes)} decoded, over the limit of ${mebibytes(maxBytes)} (raise ingest.maxBytes if the file is genuine)`,
    );
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toLocaleString('en', { maximumFractionDigits: 1 })} MiB`;
}
