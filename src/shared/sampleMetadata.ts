/**
 * Per-sample metadata columns from curation/metadata.json, which keeps them per source file: one
 * interned column per name, the same for the engine (balancing) and the views (filters). Browser-safe.
 */
import type { MetadataFile } from './artifacts';
import { interned } from './intern';

/** What a sample whose source has no value in a column shows and is grouped as. */
export const MISSING_VALUE = '(none)';

export interface MetadataColumn {
  name: string;
  /** Distinct values in first-seen order. */
  values: string[];
  /** Per sample, the index of its value. */
  of: Uint16Array;
}

/** The columns of `file` for samples whose sources are `sourceOfSample` (pool order). */
export function metadataColumns(file: MetadataFile, sourceOfSample: readonly string[]): MetadataColumn[] {
  return file.columns.map((name) => {
    const { names, indexOf } = interned(sourceOfSample.map((source) => file.sources[source]?.[name] ?? MISSING_VALUE));
    return { name, values: names, of: indexOf };
  });
}

/** Checks the shape of a parsed metadata file; throws naming the field. */
export function parseMetadataFile(raw: unknown): MetadataFile {
  const file = raw as MetadataFile;
  if (file?.version !== 1) throw new Error('not a version 1 metadata file');
  if (!Array.isArray(file.columns) || !file.columns.every((c) => typeof c === 'string'))
    throw new Error('"columns" must be an array of names');
  if (typeof file.sources !== 'object' || file.sources === null) throw new Error('"sources" must be an object');
  return file;
}
