/** How the embedding map colours its points, per "colour by" choice. Pure, tested under Node. */
import type { RunViewData } from '../../src/shared/viewMessages';
import type { ScatterColoring } from '../common/colors';
import { kmeans2d } from '../common/kmeans';
import { sampleFields } from '../common/sampleFields';
import { basename, effectiveSelection, membership } from '../common/selection';

export const COLOUR_MODES = ['selected', 'compare', 'difficulty', 'cluster', 'source'] as const;
/** A fixed mode, or `field:<key>` for any other sample field of the run (common/sampleFields.ts). */
export type ColourMode = (typeof COLOUR_MODES)[number] | `field:${string}`;
export const COLOUR_MODE_LABELS: Record<(typeof COLOUR_MODES)[number], string> = {
  selected: 'Selected or not',
  compare: 'Compare two methods',
  difficulty: 'Difficulty',
  cluster: 'Cluster (k-means on the map)',
  source: 'Source file',
};

export const CLUSTERS = 8;

/** Every "colour by" choice for this run: the fixed modes, then its sample fields (difficulty has its fixed mode). */
export function colourModes(data: RunViewData, method: string): Array<{ value: ColourMode; label: string }> {
  return [
    ...COLOUR_MODES.map((m) => ({ value: m as ColourMode, label: COLOUR_MODE_LABELS[m] })),
    ...sampleFields(data, method)
      .filter((f) => f.key !== 'difficulty')
      .map((f) => ({ value: `field:${f.key}` as ColourMode, label: f.label })),
  ];
}

export interface Colouring {
  color: ScatterColoring;
  emphasis?: Uint8Array;
}

export function colouringFor(
  mode: ColourMode,
  data: RunViewData,
  methodA: string,
  methodB: string,
  cache: { clusters?: Uint8Array } = {},
): Colouring {
  const n = data.samples;
  const byMethod = (m: string): Uint8Array =>
    membership(effectiveSelection(data.selections.find((s) => s.method === m)), n);
  if (mode.startsWith('field:')) {
    const field = sampleFields(data, methodA).find((f) => `field:${f.key}` === mode);
    if (field?.kind === 'category')
      return { color: { kind: 'category', values: field.of, labels: field.labels, muted: field.muted } };
    if (field) {
      // Selection order: the samples the method did not pick have no value; they are drawn quietly.
      const emphasis =
        field.key === 'selectionOrder' ? Uint8Array.from(field.values, (v) => (Number.isNaN(v) ? 0 : 1)) : undefined;
      return {
        color: { kind: 'value', values: field.values, label: field.label, domain: robustDomain(field.values) },
        emphasis,
      };
    }
    mode = 'selected'; // a field this run no longer has
  }
  switch (mode as (typeof COLOUR_MODES)[number]) {
    case 'selected': {
      const a = byMethod(methodA);
      return {
        color: { kind: 'category', values: a, labels: ['not selected', `selected by ${methodA || '—'}`], muted: [0] },
        emphasis: a,
      };
    }
    case 'compare': {
      const a = byMethod(methodA);
      const b = byMethod(methodB);
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) values[i] = a[i]! + 2 * b[i]!;
      const emphasis = Uint8Array.from(values, (v) => (v ? 1 : 0));
      return {
        color: {
          kind: 'category',
          values,
          labels: ['neither', `${methodA} only`, `${methodB} only`, 'both'],
          muted: [0],
        },
        emphasis,
      };
    }
    case 'difficulty':
      return { color: { kind: 'value', values: data.difficulty ?? new Float32Array(n), label: 'difficulty' } };
    case 'cluster': {
      cache.clusters ??= kmeans2d(data.projection ?? new Float32Array(2 * n), CLUSTERS, { seed: 7 });
      return {
        color: {
          kind: 'category',
          values: cache.clusters,
          labels: Array.from({ length: CLUSTERS }, (_, c) => `cluster ${c + 1}`),
        },
      };
    }
    case 'source':
      return {
        color: { kind: 'category', values: data.sourceOf ?? new Uint16Array(n), labels: data.sources.map(basename) },
      };
  }
}

/**
 * The 2nd to 98th percentile of the values (NaN left out): scores such as uniqueness have a few
 * far outliers that would otherwise take the whole colour scale and leave every other point one colour.
 */
export function robustDomain(values: Float32Array): [number, number] | undefined {
  const sorted = Float32Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  if (sorted.length === 0) return undefined;
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
  const [lo, hi] = [at(0.02), at(0.98)];
  return hi > lo ? [lo, hi] : undefined;
}

/** Tooltip text of one sample. */
export function describeSample(data: RunViewData, id: number): string {
  const lines = [`#${id}`];
  const source = data.sourceOf ? data.sources[data.sourceOf[id]!] : undefined;
  if (source)
    lines.push(`${basename(source)}${data.sliceOf && data.sliceOf[id]! >= 0 ? `, slice ${data.sliceOf[id]}` : ''}`);
  if (data.difficulty) lines.push(`difficulty ${data.difficulty[id]!.toPrecision(3)}`);
  const scores = data.sampleScores;
  if (scores)
    lines.push(
      `uniqueness ${scores.uniqueness[id]!.toPrecision(3)}, representativeness ${scores.representativeness[id]!.toPrecision(3)}, cluster ${scores.cluster[id]! + 1}`,
    );
  for (const column of data.metadata ?? []) lines.push(`${column.name}: ${column.values[column.of[id]!]}`);
  const by = data.selections.filter((s) => effectiveSelection(s).has(id)).map((s) => s.method);
  lines.push(by.length ? `selected by ${by.join(', ')}` : 'not selected');
  return lines.join('\n');
}
