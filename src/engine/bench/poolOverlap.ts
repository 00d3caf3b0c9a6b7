/**
 * Downstream test images that are also in the pre-training pool. An encoder pre-trained on a test
 * image has seen the answer's input, so the benchmark finds them by content (a hash of the pixels
 * at the model's size, quantised to 8 bits so that the same file decoded twice matches exactly),
 * reports them, and keeps them out of every encoder's pre-training by default. The benchmark asks
 * about every downstream image: each is a test image at some seed.
 */
import { createHash } from 'node:crypto';
import type { PoolCache } from '../data/cache';
import type { Provenance } from '../../shared/artifacts';
import type { SegmentationDataset } from '../data/segmentation';

export interface PoolOverlap {
  dataset: string;
  /** The test image (file and slice). */
  test: string;
  poolId: number;
  poolSource: string;
}

export function pixelHash(pixels: Float32Array): string {
  const bytes = Uint8Array.from(pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  return createHash('sha256').update(bytes).digest('hex');
}

/** A test image in reports: its file, and its slice in a volume. */
export function testImageName(p: Provenance): string {
  return p.slice === undefined ? p.source : `${p.source} slice ${p.slice}`;
}

/** Every test image of `datasets` whose pixels are those of a pool sample. Reads the pool once. */
export async function testImagesInPool(
  cache: PoolCache,
  datasets: readonly SegmentationDataset[],
): Promise<PoolOverlap[]> {
  const area = cache.imageSize ** 2;
  const wanted = new Map<string, Array<{ dataset: string; test: string }>>();
  for (const ds of datasets) {
    if (ds.imageSize !== cache.imageSize) continue;
    ds.test.provenance.forEach((p, i) => {
      const hash = pixelHash(ds.test.images.subarray(i * area, (i + 1) * area));
      wanted.set(hash, [...(wanted.get(hash) ?? []), { dataset: ds.name, test: testImageName(p) }]);
    });
  }
  const hits: Array<{ dataset: string; test: string; poolId: number }> = [];
  if (wanted.size === 0) return [];
  for await (const batch of cache.batches({ batchSize: 256 })) {
    batch.ids.forEach((id, k) => {
      for (const hit of wanted.get(pixelHash(batch.pixels.subarray(k * area, (k + 1) * area))) ?? [])
        hits.push({ ...hit, poolId: id });
    });
  }
  // The pool's provenance is read only to name what was found.
  const samples = hits.length ? await cache.provenance() : [];
  return hits.map((hit) => ({ ...hit, poolSource: samples[hit.poolId].source }));
}
