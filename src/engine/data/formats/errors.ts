/** A file that cannot be used: ingestion skips it and reports `message` with its path. */
export class UnusableFileError extends Error {
  override name = 'UnusableFileError';
}

/** Refuses a header that declares more voxels than the configured limit, before anything is allocated. */
export function checkVoxelLimit(count: number, maxVoxels: number, what: string): void {
  if (!Number.isFinite(count) || count <= 0) throw new UnusableFileError(`${what}: header declares an invalid size`);
  if (count > maxVoxels) {
    throw new UnusableFileError(`${what}: header declares ${count.toLocaleString('en')} voxels, over the limit of ${maxVoxels.toLocaleString('en')} (raise ingest.maxVoxels if the file is genuine)`);
  }
}
