/**
 * OptiDEL's selector: the top-N hardest key patches, N = M x B (M = 4 patches per generated mosaic,
 * B the budget in images), so that the generation stage can stitch them into B new images. The
 * selected images are the distinct samples those patches come from.
 *
 * Diversity is enforced, not left to chance (the paper is silent on how; these are our choices,
 * each an option):
 *  - per-source cap: no source (volume, video, folder) gives more than `sourceCapFactor` times its
 *    fair share N / sources of the patches, so one long series of adjacent slices cannot fill the budget;
 *  - near-duplicate threshold: a sample whose embedding lies within cosine distance
 *    `minCosineDistance` of an already selected sample contributes no patches (checked within
 *    regions of `regionSize` samples of the embedding space, exact for pools that small).
 * When the constraints leave fewer than N patches, the hardest skipped ones fill the rest, so the
 * patch budget is met exactly whenever the pool has N patches at all.
 */
import type { KeyPatch } from '../../shared/artifacts';
import { buildBallTree } from './ballTree';
import { NeighbourIndex } from './neighbourIndex';

export interface OptidelOptions {
  /** Patches per generated image (M, default 4). */
  patchesPerImage?: number;
  /** A source may give at most this multiple of its fair share of patches (default 2). */
  sourceCapFactor?: number;
  /** Samples closer than this cosine distance to a selected one count as near-duplicates (default 0.05). */
  minCosineDistance?: number;
  /** Samples per region searched for near-duplicates (default 2048). */
  regionSize?: number;
}

export interface OptidelResult {
  selected: number[];
  patches: number[];
  /** Patches taken in the fill pass, past the diversity constraints. */
  relaxed: number;
  sourceCap: number;
}

/** `normalized`: unit-length embeddings; `budgetImages`: B. */
export function optidelSelect(
  normalized: Float32Array,
  dim: number,
  sources: readonly string[],
  difficulty: Float32Array,
  keyPatches: readonly KeyPatch[],
  budgetImages: number,
  seed: number,
  options: OptidelOptions = {},
): OptidelResult {
  const m = options.patchesPerImage ?? 4;
  const target = Math.min(keyPatches.length, m * budgetImages);
  const patchDifficulty = (p: KeyPatch) => p.difficulty ?? difficulty[p.sampleId];
  const order = [...keyPatches].sort((a, b) => patchDifficulty(b) - patchDifficulty(a) || a.id - b.id);
  const sourceCount = new Set(order.map((p) => sources[p.sampleId])).size;
  const sourceCap = Math.max(m, Math.ceil(((options.sourceCapFactor ?? 2) * target) / Math.max(1, sourceCount)));
  const tau = Math.sqrt(2 * (options.minCosineDistance ?? 0.05)); // Euclidean distance on unit vectors
  const neighbours = new NeighbourIndex(normalized, buildBallTree(normalized, dim, { seed }), options.regionSize);

  const perSource = new Map<string, number>();
  const sampleState = new Map<number, boolean>(); // sample -> accepted (true) or rejected as a near-duplicate (false)
  const taken: KeyPatch[] = [];
  const skipped: KeyPatch[] = [];
  for (const patch of order) {
    if (taken.length === target) break;
    const source = sources[patch.sampleId];
    let accepted = sampleState.get(patch.sampleId);
    if ((perSource.get(source) ?? 0) >= sourceCap) accepted = false;
    else if (accepted === undefined) {
      accepted = !neighbours.hasWithin(patch.sampleId, tau);
      sampleState.set(patch.sampleId, accepted);
      if (accepted) neighbours.add(patch.sampleId);
    }
    if (accepted) {
      taken.push(patch);
      perSource.set(source, (perSource.get(source) ?? 0) + 1);
    } else skipped.push(patch);
  }
  const relaxed = Math.min(target - taken.length, skipped.length);
  taken.push(...skipped.slice(0, relaxed));
  const selected = [...new Set(taken.map((p) => p.sampleId))];
  return { selected, patches: taken.map((p) => p.id), relaxed, sourceCap };
}
