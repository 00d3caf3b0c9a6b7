/**
 * The synthesize stage: the compact set of a selection (pipeline/compactSet.ts: its mosaics, with a
 * fraction hardened adversarially), written in its method's own folder synth/<method>/ (so another
 * method's samples are kept): samples.f32, index.json (the selection it came from, its pool members,
 * provenance of every part), one PNG per sample, and gallery thumbnails. A linked synth/ is refused
 * before anything is written, and only our `<id>.png` files in that method's folder are ever removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyPatch, SelectionFile, SynthIndex } from '../../shared/artifacts';
import { synthFolder, synthImageFile, synthIndexFile, synthSamplesFile } from '../../shared/run/layout';
import type { CommandArgs, CommandResult, OptidelImages } from '../../shared/commands';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { removeInRun, resolveInRun } from '../../shared/run/node/contain';
import { selectBackend } from '../backends/select';
import type { CommandContext } from '../command';
import { throwIfCancelled, UsageError } from '../command';
import type { PoolCache } from '../data/cache';
import { openCache } from '../data/cache';
import { encodeGrayPng, toBytes } from '../data/formats/png';
import { PATCHES_PER_MOSAIC } from '../generate/mosaic';
import type { MaeModel } from '../model/mae';
import { existingRunDir } from '../model/runSettings';
import { runStage } from '../runStage';
import {
  buildCompactSet,
  compactSetSize,
  DEFAULT_ADVERSARIAL,
  type AdversarialSettings,
  type CompactSet,
} from './compactSet';
import { lastSelectedMethod, readSelection, readSelectionInput } from './runArtifacts';
import { budgetAndSeed, loadFoundation, runRecordOrUndefined } from './stageSettings';
import { writeSynthThumbnails } from './synthThumbs';

/** The PNGs this stage writes (one per generated sample id); nothing else in synth/ is removed. */
const OUR_PNG = /^\d+\.png$/;

export interface SynthesisResult {
  index: SynthIndex;
  set: CompactSet;
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
  options: { seed: number; adversarial: AdversarialSettings; images?: OptidelImages },
  ctx: CommandContext,
): Promise<SynthesisResult> {
  const size = cache.imageSize;
  const area = size * size;
  // Checked before any work: a method name that is not a selection method has no folder (layout.ts).
  const folder = synthFolder(selection.method);
  const synthDir = resolveInRun(runDir, folder, { fix: 'replace the link with a folder of its own' });
  ctx.progress('synthesize', 0, 2, 'mosaics and adversarial samples');
  const set = await buildCompactSet(selection, keyPatches, sources, cache, model, { ...options, signal: ctx.signal });
  const { samples, pixels } = set;
  const budgetMosaics = Math.floor((selection.patches?.length ?? 0) / PATCHES_PER_MOSAIC);
  const mosaics = samples.filter((s) => s.kind === 'mosaic').length;
  if (set.images !== 'selected' && set.images !== 'selected images' && mosaics < budgetMosaics)
    ctx.log(
      'warn',
      `synthesize: hand curation left ${mosaics} mosaics of the selection's ${budgetMosaics}: excluded samples took their key patches with them, so the compact set is ${budgetMosaics - mosaics} image(s) short of the budget`,
    );
  if (set.hardening)
    ctx.log(
      'info',
      `synthesize: hardened ${samples.filter((s) => s.hardened).length} of ${compactSetSize(set)} images; their masked error ${set.hardening.before.toFixed(4)} -> ${set.hardening.after.toFixed(4)} (judged with masks the hardening did not use)`,
    );

  ctx.progress('synthesize', 1, 2, 'writing');
  const index: SynthIndex = {
    version: 1,
    imageSize: size,
    samples,
    madeFrom: madeFrom(selection),
    pool: set.ids,
    images: set.images,
  };
  const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  await writeFileAtomic(resolveInRun(runDir, synthSamplesFile(selection.method)), bytes);
  for (let k = 0; k < samples.length; k++) {
    // A cancel may stop here: the index, written last, still names the samples of the last finished run.
    throwIfCancelled(ctx.signal);
    const png = encodeGrayPng(toBytes(pixels.subarray(k * area, (k + 1) * area)), size, size);
    await writeFileAtomic(resolveInRun(runDir, synthImageFile(selection.method, samples[k].id)), png);
  }
  const current = new Set(samples.map((s) => `${s.id}.png`));
  for (const stale of (await fs.promises.readdir(synthDir)).filter((f) => OUR_PNG.test(f) && !current.has(f))) {
    await removeInRun(runDir, `${folder}/${stale}`);
  }
  await writeSynthThumbnails(
    runDir,
    size,
    cache.size,
    samples.map((s) => s.id),
    pixels,
  );
  // The index goes last: its presence means every file it names is complete.
  await writeJsonAtomic(resolveInRun(runDir, synthIndexFile(selection.method)), index);
  ctx.progress('synthesize', 2, 2);
  return {
    index,
    set,
    mosaics,
    adversarial: samples.filter((s) => s.hardened !== undefined).length,
  };
}

/** What synth/<method>/index.json records of the selection it was made from (compared by the train stage). */
export function madeFrom(selection: SelectionFile): NonNullable<SynthIndex['madeFrom']> {
  return {
    method: selection.method,
    createdAt: selection.createdAt,
    ...(selection.manual ? { manual: selection.manual } : {}),
  };
}

/** `optidel synthesize` in a run folder (its lock, its status in run.json, its artifacts): called by the command, the pipeline and the benchmark alike. */
export async function runSynthesizeStage(
  args: CommandArgs<'synthesize'>,
  ctx: CommandContext,
): Promise<CommandResult<'synthesize'>> {
  const runDir = existingRunDir('synthesize', args.run);
  const record = await runRecordOrUndefined(runDir);
  const method = args.method ?? lastSelectedMethod(record?.stages.select?.summary);
  if (!method)
    throw new UsageError(
      `synthesize: no selection in ${runDir} yet; run "optidel select --run ${args.run} --method NAME" or pass --method`,
    );
  // Before anything is read: a method from run.json is a name of SELECTION_METHOD_NAMES or refused here.
  const indexFile = synthIndexFile(method);
  const { seed } = budgetAndSeed(record, args);
  const adversarial = {
    ...DEFAULT_ADVERSARIAL,
    ...(args.adversarialFraction !== undefined ? { fraction: args.adversarialFraction } : {}),
    ...(args.adversarialCandidates !== undefined ? { candidates: args.adversarialCandidates } : {}),
    ...(args.epsilon !== undefined ? { epsilon: args.epsilon } : {}),
    ...(args.adversarialSteps !== undefined ? { steps: args.adversarialSteps } : {}),
  };
  if (!(adversarial.fraction >= 0 && adversarial.fraction <= 1))
    throw new UsageError('synthesize: --adversarial-fraction must be between 0 and 1');
  const { backend } = await selectBackend(ctx.backendPreference);
  const result = await runStage(runDir, 'synthesize', ctx, backend, async () => {
    const cache = await openCache(runDir);
    const selection = await readSelection(runDir, method, cache.size);
    const input = await readSelectionInput(runDir, (message) => ctx.log('warn', message));
    const model = adversarial.fraction > 0 ? await loadFoundation(runDir) : undefined;
    if (adversarial.fraction > 0 && !model)
      ctx.log('warn', 'synthesize: no foundation model (checkpoints/pretrain): adversarial samples skipped');
    try {
      const synth = await synthesizeStage(
        runDir,
        selection,
        input.keyPatches ?? [],
        input.sources,
        cache,
        model,
        { seed, adversarial, images: args.images },
        ctx,
      );
      return {
        result: synth,
        summary: {
          method,
          images: compactSetSize(synth.set),
          mosaics: synth.mosaics,
          adversarial: synth.adversarial,
        },
      };
    } finally {
      model?.dispose();
      await cache.close();
    }
  });
  return {
    method,
    images: compactSetSize(result.set),
    pool: result.set.ids.length,
    mosaics: result.mosaics,
    ...(result.set.hardening ? { hardening: result.set.hardening } : {}),
    adversarial: result.adversarial,
    file: path.join(runDir, indexFile),
  };
}
