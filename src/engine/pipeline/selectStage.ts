/**
 * The select stage: runs a selection method on the run's scores, logs the picks that relaxed a
 * diversity rule, estimates the V-information of what the method trains on with the foundation
 * model (both terms and their intervals), and writes selection/<method>.json. Hand curation
 * saved earlier in that file (`manual`) is kept: re-selecting must not throw away a person's work.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RelaxedPicks, SelectionFile, VInformationEstimate } from '../../shared/artifacts';
import { selectionFile } from '../../shared/artifacts';
import { readJsonFile, writeJsonAtomic } from '../../shared/node/atomicFile';
import type { CommandContext } from '../command';
import { throwIfCancelled } from '../command';
import type { PoolCache } from '../data/cache';
import type { MaeModel } from '../model/mae';
import { SeededRandom, permutation } from '../model/rng';
import { makeMosaics } from '../generate/mosaic';
import {
  selectSubset,
  type SelectionInput,
  type SelectionMethod,
  type SelectionOptions,
  type SelectionResult,
} from '../selection/methods';
import { estimateVInformation } from '../selection/vInformation';

export interface SelectStageOptions extends SelectionOptions {
  method: SelectionMethod;
  /** Random masks per sample for the V-information estimate (default 4). */
  masks?: number;
  /** The V-information is estimated on at most this many images the method trains on (default 512), drawn by seed. */
  vInformationSamples?: number;
}

export async function selectStage(
  runDir: string,
  input: SelectionInput,
  cache: PoolCache,
  model: MaeModel | undefined,
  options: SelectStageOptions,
  ctx: CommandContext,
): Promise<SelectionFile> {
  throwIfCancelled(ctx.signal);
  ctx.progress('select', 0, 2, options.method);
  const started = performance.now();
  const result = selectSubset(options.method, input, options);
  ctx.log(
    'info',
    `select: ${options.method} kept ${result.selected.length} of ${cache.size} samples${result.patches ? ` and ${result.patches.length} key patches` : ''} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.relaxed)
    ctx.log(relaxedCount(result.relaxed) ? 'warn' : 'info', `select: ${describeRelaxed(result.relaxed)}`);
  ctx.progress('select', 1, 2, 'V-information');
  const vInformation = model
    ? await trainedOnVInformation(model, cache, input, result, options, ctx.signal)
    : undefined;
  const file = path.join(runDir, selectionFile(options.method));
  const previous = fs.existsSync(file)
    ? ((await readJsonFile(file).catch(() => undefined)) as SelectionFile | undefined)
    : undefined;
  const selection: SelectionFile = {
    version: 1,
    method: options.method,
    budget: options.budget,
    seed: options.seed,
    selected: result.selected,
    ...(result.patches ? { patches: result.patches } : {}),
    ...(result.relaxed ? { relaxed: result.relaxed } : {}),
    ...(vInformation ? { vInformation } : {}),
    ...(previous?.manual ? { manual: previous.manual } : {}),
    createdAt: new Date().toISOString(),
  };
  await writeJsonAtomic(file, selection);
  ctx.progress('select', 2, 2);
  return selection;
}

/**
 * V-information of what the method trains on: for a patch-based selection the mosaics its key
 * patches make (built as the synthesize stage builds them), otherwise the selected images; at most
 * `vInformationSamples` of them, drawn by seed.
 */
async function trainedOnVInformation(
  model: MaeModel,
  cache: PoolCache,
  input: SelectionInput,
  result: SelectionResult,
  options: SelectStageOptions,
  signal: AbortSignal,
): Promise<VInformationEstimate | undefined> {
  const limit = options.vInformationSamples ?? 512;
  const draw = <T>(items: readonly T[]) =>
    items.length <= limit
      ? [...items]
      : Array.from(permutation(items.length, new SeededRandom(options.seed)).subarray(0, limit), (i) => items[i]);
  const area = cache.imageSize ** 2;
  let images: { pixels: Float32Array; ids: number[] };
  if (result.patches?.length && input.keyPatches) {
    const byId = new Map(input.keyPatches.map((p) => [p.id, p]));
    const patches = result.patches.map((id) => byId.get(id)!);
    const samples = [...new Set(patches.map((p) => p.sampleId))];
    const pixels = await cache.read(samples);
    const at = new Map(samples.map((s, i) => [s, i]));
    const mosaics = makeMosaics(
      patches,
      (s) => pixels.subarray(at.get(s)! * area, (at.get(s)! + 1) * area),
      input.sources,
      { imageSize: cache.imageSize, firstId: cache.size },
    );
    const chosen = draw(mosaics.samples.map((_, g) => g));
    const out = new Float32Array(chosen.length * area);
    chosen.forEach((g, k) => out.set(mosaics.pixels.subarray(g * area, (g + 1) * area), k * area));
    images = { pixels: out, ids: chosen.map((g) => mosaics.samples[g].id) };
  } else {
    const ids = draw(result.selected);
    images = { pixels: await cache.read(ids), ids };
  }
  if (images.ids.length === 0) return undefined;
  throwIfCancelled(signal); // a cancel that came in while the subset was chosen
  const estimate = await estimateVInformation(model, images.pixels, images.ids, {
    masks: options.masks ?? 4,
    seed: options.seed,
    signal,
  });
  return { ...estimate, measuredOn: result.patches?.length ? 'mosaics' : 'selected images' };
}

function relaxedCount(r: RelaxedPicks): number {
  return r.nearDuplicate + r.acquisitionCap + r.short;
}

/** One line for the log and the command's text output: which rules gave way, and by how many picks. */
export function describeRelaxed(r: RelaxedPicks): string {
  if (!relaxedCount(r)) return 'every key patch met the diversity rules (acquisition quotas, near-duplicate distance)';
  const parts = [
    r.nearDuplicate
      ? `${r.nearDuplicate} near-duplicates of selected samples (too few distinct samples within the quotas)`
      : '',
    r.acquisitionCap
      ? `${r.acquisitionCap} beyond their acquisition's quota (quotas doubled ${r.capDoublings}x: the other acquisitions had no more patches)`
      : '',
    r.short ? `${r.short} short of the budget (no patches left outside exact duplicates)` : '',
  ];
  return `relaxed picks: ${parts.filter(Boolean).join('; ')}`;
}
