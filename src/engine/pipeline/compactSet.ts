/**
 * The compact set: what a selection pre-trains on, built here for the synthesize and train stages,
 * the select stage's V-information and the benchmark, so all of them mean the same images.
 *
 * It is the budget. A patch-based selection (optidel, M x B key patches) gives its B mosaics, and
 * pool images only when asked (`images: 'mosaics+selected'`, or 'selected' alone, an ablation) or
 * when a person included them by hand in the gallery; every other selection gives its B curated pool
 * images. Adversarial augmentation hardens a fraction of those members in place (a hardened pool
 * image replaces the image, a hardened mosaic replaces the mosaic), so it never adds images.
 */
import type { KeyPatch, SelectionFile, SynthSample } from '../../shared/artifacts';
import type { OptidelImages } from '../../shared/commands';
import { throwIfCancelled } from '../command';
import type { PoolCache } from '../data/cache';
import { makeMosaics } from '../generate/mosaic';
import { adversarialAugment, type Hardened } from '../model/adversarial';
import type { MaeModel } from '../model/mae';
import { curated } from './runArtifacts';

export interface AdversarialSettings {
  /** Fraction of the compact set's members hardened in place (0 turns it off). */
  fraction: number;
  /** Random plausible transforms (gamma, contrast, elastic warp) tried per member, the hardest kept. */
  candidates: number;
  /** Gradient ascent steps on gamma and contrast (and on pixels when epsilon > 0). */
  steps: number;
  /** L-infinity bound of an extra pixel step (0: off, the default; it turns flat patches into noise). */
  epsilon: number;
  stepSize: number;
}

/** Our defaults (the paper gives no numbers): a quarter of the compact set, 8 plausible candidates, 3 steps, no pixel noise. */
export const DEFAULT_ADVERSARIAL: AdversarialSettings = {
  fraction: 0.25,
  candidates: 8,
  steps: 3,
  epsilon: 0,
  stepSize: 0.01,
};

export const NO_ADVERSARIAL: AdversarialSettings = { ...DEFAULT_ADVERSARIAL, fraction: 0 };

/** Adversarial hardening is OptiDEL's generation step; a baseline's compact set is its selection as it is. */
export function adversarialFor(method: string): AdversarialSettings {
  return method === 'optidel' ? DEFAULT_ADVERSARIAL : NO_ADVERSARIAL;
}

export interface CompactSetOptions {
  /** What a patch-based selection trains on (default 'mosaics'). */
  images?: OptidelImages;
  adversarial: AdversarialSettings;
  seed: number;
  signal?: AbortSignal;
}

export interface CompactSet {
  method: string;
  /** Pool images trained on as they are. */
  ids: number[];
  /** Generated members (mosaics, hardened pool images), ids continuing after the pool's. */
  samples: SynthSample[];
  /** Their pixels, imageSize² each, in the order of `samples`. */
  pixels: Float32Array;
  images: OptidelImages | 'selected images';
  /** Mean masked error of the hardened members before and after hardening (absent when none was). */
  hardening?: Hardened['meanError'];
}

/** Images the compact set trains on: its pool images plus its generated samples. */
export function compactSetSize(set: Pick<CompactSet, 'ids' | 'samples'>): number {
  return set.ids.length + set.samples.length;
}

export async function buildCompactSet(
  selection: Pick<SelectionFile, 'method' | 'selected' | 'patches' | 'manual'>,
  keyPatches: readonly KeyPatch[],
  sources: readonly string[],
  cache: Pick<PoolCache, 'imageSize' | 'size' | 'read'>,
  model: MaeModel | undefined,
  options: CompactSetOptions,
): Promise<CompactSet> {
  const size = cache.imageSize;
  const area = size * size;
  const { ids: curatedIds, patchIds } = curated(selection, [...keyPatches]);
  const outside = curatedIds.find((id) => !(Number.isInteger(id) && id >= 0 && id < cache.size));
  if (outside !== undefined)
    throw new Error(
      `selection/${selection.method}.json names sample ${JSON.stringify(outside)} (selected or included by hand), which the pool of ${cache.size} does not hold: select again, or fix its "manual"`,
    );
  const patchBased = (selection.patches?.length ?? 0) > 0;
  const images = patchBased ? (options.images ?? 'mosaics') : 'selected images';
  const useMosaics = patchBased && images !== 'selected';
  const included = new Set(selection.manual?.include ?? []);
  let ids = useMosaics && images === 'mosaics' ? curatedIds.filter((id) => included.has(id)) : curatedIds;

  let samples: SynthSample[] = [];
  let hardening: Hardened['meanError'] | undefined;
  let pixels: Float32Array = new Float32Array(0);
  if (useMosaics) {
    const byId = new Map(keyPatches.map((p) => [p.id, p]));
    const patches = patchIds.map((id) => {
      const p = byId.get(id);
      if (!p)
        throw new Error(
          `selection/${selection.method}.json names key patch ${id}, which patches/key-patches.json does not hold: run "optidel propose" and "optidel select" again`,
        );
      return p;
    });
    const from = [...new Set(patches.map((p) => p.sampleId))];
    const fromPixels = await cache.read(from);
    const at = new Map(from.map((s, i) => [s, fromPixels.subarray(i * area, (i + 1) * area)]));
    ({ samples, pixels } = makeMosaics(patches, (s) => at.get(s)!, sources, { imageSize: size, firstId: cache.size }));
  }
  if (options.signal) throwIfCancelled(options.signal);

  const hardenCount = model ? Math.round(options.adversarial.fraction * (ids.length + samples.length)) : 0;
  if (hardenCount > 0) {
    // Mosaics first (hardest first, as grouped), then pool images in selection order.
    const mosaicCount = Math.min(hardenCount, samples.length);
    const poolCount = hardenCount - mosaicCount;
    const poolIds = ids.slice(0, poolCount);
    const input = new Float32Array(hardenCount * area);
    input.set(pixels.subarray(0, mosaicCount * area));
    input.set(await cache.read(poolIds), mosaicCount * area);
    const hardened = await adversarialAugment(model!, input, hardenCount, {
      ...options.adversarial,
      seed: options.seed,
      signal: options.signal,
    });
    samples = samples.map((s, k) => (k < mosaicCount ? { ...s, hardened: hardened.notes[k] } : s));
    const firstId = cache.size + samples.length;
    const replaced: SynthSample[] = poolIds.map((sampleId, k) => ({
      id: firstId + k,
      kind: 'adversarial',
      parts: [{ sampleId }],
      hardened: hardened.notes[mosaicCount + k],
    }));
    // Every mosaic as made, the hardened ones written over theirs, then the hardened pool images.
    const mosaicsEnd = samples.length * area;
    const members = new Float32Array(mosaicsEnd + replaced.length * area);
    members.set(pixels);
    members.set(hardened.pixels.subarray(0, mosaicCount * area));
    members.set(hardened.pixels.subarray(mosaicCount * area), mosaicsEnd);
    pixels = members;
    samples = [...samples, ...replaced];
    ids = ids.slice(poolCount);
    hardening = hardened.meanError;
  }
  if (options.signal) throwIfCancelled(options.signal);
  return { method: selection.method, ids, samples, pixels, images, ...(hardening ? { hardening } : {}) };
}
