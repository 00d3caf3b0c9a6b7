/**
 * The synthesize stage: from a selection (after hand curation), 2x2 mosaics of the selected key
 * patches and adversarially augmented copies of selected images, written as synth/samples.f32,
 * synth/index.json (provenance of every part), one PNG per sample and gallery thumbnails. A linked
 * synth/ is refused before anything is written, and only our `<id>.png` files are ever removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatch, SelectionFile, SynthIndex, SynthSample } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { removeInRun, resolveInRun } from '../../shared/run/node/contain';
import type { CommandContext } from '../command';
import { throwIfCancelled } from '../command';
import type { PoolCache } from '../data/cache';
import { encodeGrayPng, toBytes } from '../data/formats/png';
import { makeMosaics } from '../generate/mosaic';
import { adversarialAugment } from '../model/adversarial';
import type { MaeModel } from '../model/mae';
import { curated } from './runArtifacts';
import { writeSynthThumbnails } from './synthThumbs';

export interface AdversarialSettings {
  /** Fraction of the curated selected images that get an adversarial copy (0 turns it off). */
  fraction: number;
  /** L-infinity bound on the change of a pixel (intensities in [0, 1]). */
  epsilon: number;
  steps: number;
  stepSize: number;
}

/** Our defaults (the paper gives no numbers): a quarter of the subset, pixels moved by at most 0.03. */
export const DEFAULT_ADVERSARIAL: AdversarialSettings = { fraction: 0.25, epsilon: 0.03, steps: 3, stepSize: 0.01 };

/** The PNGs this stage writes (one per generated sample id); nothing else in synth/ is removed. */
const OUR_PNG = /^\d+\.png$/;

export interface SynthesisResult {
  index: SynthIndex;
  pixels: Float32Array;
  mosaics: number;
  adversarial: number;
}

export async function synthesizeStage(
  runDir: string,
  selection: SelectionFile,
  keyPatches: readonly KeyPatch[],
  sources: readonly string[],
  cache: PoolCache,
  model: MaeModel | undefined,
  options: { seed: number; adversarial: AdversarialSettings },
  ctx: CommandContext,
): Promise<SynthesisResult> {
  const size = cache.imageSize;
  const area = size * size;
  const synthDir = resolveInRun(runDir, ARTIFACTS.synthDir, { fix: 'replace the link with a folder of its own' });
  const { ids, patchIds } = curated(selection, [...keyPatches]);
  const byId = new Map(keyPatches.map((p) => [p.id, p]));
  const patches = patchIds.map((id) => {
    const p = byId.get(id);
    if (!p)
      throw new Error(
        `selection/${selection.method}.json names key patch ${id}, which patches/key-patches.json does not hold: run "optidel propose" and "optidel select" again`,
      );
    return p;
  });
  ctx.progress('synthesize', 0, 3, 'mosaics');
  const patchSamples = [...new Set(patches.map((p) => p.sampleId))];
  const patchPixels = await cache.read(patchSamples);
  const position = new Map(patchSamples.map((s, i) => [s, i]));
  const mosaics = makeMosaics(
    patches,
    (s) => patchPixels.subarray(position.get(s)! * area, (position.get(s)! + 1) * area),
    sources,
    { imageSize: size, firstId: cache.size },
  );
  throwIfCancelled(ctx.signal);

  ctx.progress('synthesize', 1, 3, 'adversarial');
  const adversarialIds =
    model && options.adversarial.fraction > 0
      ? ids.slice(0, Math.round(options.adversarial.fraction * ids.length))
      : [];
  const hardened = adversarialIds.length
    ? await adversarialAugment(model!, await cache.read(adversarialIds), adversarialIds.length, {
        ...options.adversarial,
        seed: options.seed,
      })
    : new Float32Array(0);
  const adversarialSamples: SynthSample[] = adversarialIds.map((sampleId, k) => ({
    id: cache.size + mosaics.samples.length + k,
    kind: 'adversarial',
    parts: [{ sampleId }],
    note: `L-inf ${options.adversarial.epsilon}, ${options.adversarial.steps} steps`,
  }));
  throwIfCancelled(ctx.signal);

  ctx.progress('synthesize', 2, 3, 'writing');
  const samples = [...mosaics.samples, ...adversarialSamples];
  const pixels = new Float32Array(samples.length * area);
  pixels.set(mosaics.pixels);
  pixels.set(hardened, mosaics.pixels.length);
  const index: SynthIndex = { version: 1, imageSize: size, samples };
  const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  await writeFileAtomic(path.join(synthDir, 'samples.f32'), bytes);
  for (let k = 0; k < samples.length; k++) {
    const png = encodeGrayPng(toBytes(pixels.subarray(k * area, (k + 1) * area)), size, size);
    await writeFileAtomic(path.join(synthDir, `${samples[k].id}.png`), png);
  }
  const current = new Set(samples.map((s) => `${s.id}.png`));
  for (const stale of (await fs.promises.readdir(synthDir)).filter((f) => OUR_PNG.test(f) && !current.has(f))) {
    await removeInRun(runDir, `${ARTIFACTS.synthDir}/${stale}`);
  }
  await writeSynthThumbnails(
    runDir,
    size,
    cache.size,
    samples.map((s) => s.id),
    pixels,
  );
  // The index goes last: its presence means every file it names is complete.
  await writeJsonAtomic(path.join(runDir, ARTIFACTS.synthIndex), index);
  ctx.progress('synthesize', 3, 3);
  return { index, pixels, mosaics: mosaics.samples.length, adversarial: adversarialSamples.length };
}
