/** What a run's cache holds, independent of how its pixels are split into files: for comparing two ingests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCacheIndexFile } from '../../src/shared/node/cacheIndexFile';

/** Each sample's provenance (its place in the pixel files aside) and all pixels in id order. */
export async function cacheContent(runDir: string) {
  const index = await readCacheIndexFile(runDir);
  const samples = index.samples.map(({ shard: _s, offset: _o, ...rest }) => rest);
  const pixels = Buffer.concat(index.shards.map((s) => fs.readFileSync(path.join(runDir, s.file))));
  return { index, samples, pixels };
}
