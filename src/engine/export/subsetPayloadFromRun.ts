/**
 * Builds the notebook payload of a run (src/shared/subsetPayload.ts) from its artifacts: every
 * pool sample with its difficulty and 2D projection, which exported methods selected it (hand
 * curation from the gallery applied, as the training stage applies it), its
 * provenance, and a tiny thumbnail for the first samples of each method's selection.
 */
import * as path from 'node:path';
import type { SelectionFile } from '../../shared/artifacts';
import type { SubsetPayload, SubsetSample } from '../../shared/subsetPayload';
import { SUBSET_PAYLOAD_VERSION } from '../../shared/subsetPayload';
import { readRun } from '../../shared/node/runStore';
import { selectionLabel } from '../../shared/selectionLabel';
import { curated } from '../pipeline/runArtifacts';
import { readExportInputs } from './runArtifacts';
import { thumbnailDataUrls } from './thumbnails';
import { exportPaths, type ExportPathMode } from './exportPaths';

export interface SubsetExportOptions {
  /** Method whose subset is shown first; default optidel if present, else the latest selection. */
  method?: string;
  /** Pools larger than this keep every selected sample plus an even spread of the others. */
  maxSamples?: number;
  /** Thumbnails embedded in the payload, shared out over the methods' selections in selection order. */
  maxThumbnails?: number;
  /** Thumbnail side in pixels. */
  thumbnailSize?: number;
  onSkip?: (file: string, reason: string) => void;
  /** How paths are written (src/engine/export/exportPaths.ts); default absolute. */
  paths?: ExportPathMode;
  /** The file being written, which a relative run folder is named from. */
  outFile?: string;
}

export const EXPORT_DEFAULTS = { maxSamples: 20_000, maxThumbnails: 256, thumbnailSize: 32 } as const;

export async function subsetPayloadFromRun(runDir: string, options: SubsetExportOptions = {}): Promise<SubsetPayload> {
  const maxSamples = options.maxSamples ?? EXPORT_DEFAULTS.maxSamples;
  const maxThumbnails = options.maxThumbnails ?? EXPORT_DEFAULTS.maxThumbnails;
  const onSkip = options.onSkip ?? (() => undefined);
  const inputs = await readExportInputs(runDir);
  for (const s of inputs.skipped) onSkip(s.file, s.reason);
  // Each subset as the training stage uses it: the gallery's hand curation applied.
  const poolSize = inputs.cache.samples.length;
  const curatedSelections = inputs.selections.map((s) => ({
    ...s,
    selected: curated(s).ids.filter((id) => Number.isInteger(id) && id >= 0 && id < poolSize),
  }));
  const primary = pickPrimary(curatedSelections, options.method, runDir);
  // The primary method first, the others in file order: the order the renderer offers them.
  const selections = [primary, ...curatedSelections.filter((s) => s !== primary)];
  const methods = selections.map((s) => s.method);

  const selectedBy = new Map<number, string[]>();
  for (const s of selections)
    for (const id of s.selected) selectedBy.set(id, [...(selectedBy.get(id) ?? []), s.method]);
  const primarySet = new Set(primary.selected);
  const ids = samplesToExport(inputs.cache.samples.length, selectedBy, maxSamples);
  const run = await readRun(runDir).catch(() => undefined);
  const pathContext = { runDir, configPath: run?.configPath, outFile: options.outFile };
  const paths = exportPaths(options.paths ?? 'absolute', pathContext);

  const thumbnailIds = inputs.thumbs ? interleaveSelections(selections, maxThumbnails) : [];
  const thumbnails = inputs.thumbs
    ? await thumbnailDataUrls(
        runDir,
        inputs.thumbs,
        thumbnailIds,
        options.thumbnailSize ?? EXPORT_DEFAULTS.thumbnailSize,
        onSkip,
      )
    : new Map<number, string>();

  const samples: SubsetSample[] = ids.map((id) => {
    const c = inputs.cache.samples[id]!;
    const sample: SubsetSample = {
      id,
      difficulty: rounded(inputs.difficulty[id]!),
      embedding: [rounded(inputs.projection[2 * id]!), rounded(inputs.projection[2 * id + 1]!)],
      selected: primarySet.has(id),
      selectedBy: selectedBy.get(id) ?? [],
      provenance: {
        source: paths.source(c.source),
        axis: c.axis,
        slice: c.slice,
        frame: c.frame,
        originalSize: c.originalSize,
        intensity: c.intensity,
      },
    };
    const thumbnail = thumbnails.get(id);
    if (thumbnail) sample.thumbnail = thumbnail;
    return sample;
  });

  const runId = run?.id ?? path.basename(path.resolve(runDir));
  const hierarchies = selections.flatMap((s) =>
    s.options?.hierarchical ? [[s.method, s.options.hierarchical] as const] : [],
  );
  const primaryLabel = selectionLabel(primary.method, primary.options?.hierarchical);
  // Without paths the run is not named either: a run folder's name may be a patient's.
  const named = paths.runDir !== undefined;
  return {
    version: SUBSET_PAYLOAD_VERSION,
    title: named ? `OptiDEL subset · ${primaryLabel} · ${runId}` : `OptiDEL subset · ${primaryLabel}`,
    run: named ? { id: runId, dir: paths.runDir, createdAt: run?.createdAt } : undefined,
    summary: {
      poolSize: inputs.cache.samples.length,
      budget: primary.budget,
      method: primary.method,
      selectedCount: primary.selected.length,
      methods,
      vInformation: primary.vInformation,
      seed: primary.seed,
      synthesized: inputs.synth.get(primary.method)?.samples.length,
      ...(hierarchies.length ? { hierarchical: Object.fromEntries(hierarchies) } : {}),
    },
    samples,
  };
}

function pickPrimary(selections: SelectionFile[], asked: string | undefined, runDir: string): SelectionFile {
  if (asked) {
    const found = selections.find((s) => s.method === asked);
    if (!found)
      throw new Error(
        `${runDir} has no selection for method "${asked}"; it has: ${selections.map((s) => s.method).join(', ')}`,
      );
    return found;
  }
  return (
    selections.find((s) => s.method === 'optidel') ??
    [...selections].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))[0]!
  );
}

/** Sample ids to include: all of them when the pool is small enough, else every selected one and an even spread of the rest. */
export function samplesToExport(
  poolSize: number,
  selected: ReadonlyMap<number, unknown>,
  maxSamples: number,
): number[] {
  if (poolSize <= maxSamples) return Array.from({ length: poolSize }, (_, i) => i);
  const keep = new Set(selected.keys());
  const room = Math.max(0, maxSamples - keep.size);
  const others = poolSize - keep.size;
  const stride = others / Math.max(1, room);
  let next = 0;
  let seenOthers = 0;
  for (let id = 0; id < poolSize && room > 0; id++) {
    if (keep.has(id)) continue;
    if (seenOthers >= next) {
      keep.add(id);
      next += stride;
    }
    seenOthers++;
  }
  return [...keep].sort((a, b) => a - b);
}

/** Up to `limit` ids taken in turns from each selection, in selection order, without repeats. */
export function interleaveSelections(selections: readonly SelectionFile[], limit: number): number[] {
  const out = new Set<number>();
  const longest = Math.max(0, ...selections.map((s) => s.selected.length));
  for (let rank = 0; rank < longest && out.size < limit; rank++) {
    for (const s of selections) {
      const id = s.selected[rank];
      if (id !== undefined) out.add(id);
      if (out.size >= limit) break;
    }
  }
  return [...out];
}

/** Six significant digits (float32 holds about seven): a third shorter in the file. Non-finite scores become 0. */
function rounded(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : 0;
}
