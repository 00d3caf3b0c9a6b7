/**
 * The per-sample fields the gallery sorts and filters by and the embedding map colours by: the
 * scores (difficulty, hardest patch, uniqueness, representativeness, k-means cluster), the
 * duplicate group, the selection order of a method and every metadata column. One list for both
 * views, so a field added here is offered in each. Pure.
 */
import type { RunViewData } from '../../src/shared/viewMessages';
import { MISSING_VALUE } from '../../src/shared/sampleMetadata';

export type SampleField = { key: string; label: string } & (
  | { kind: 'value'; values: Float32Array }
  | {
      kind: 'category';
      of: ArrayLike<number>;
      labels: readonly string[];
      /** Categories that mean "nothing" (no duplicate group, no value), drawn in the quiet colour. */
      muted?: number[];
    }
);

/** Fields of `data` that the run has; `method` is the selection whose order is offered. */
export function sampleFields(data: RunViewData, method: string): SampleField[] {
  const n = data.samples;
  const fields: SampleField[] = [];
  if (data.difficulty)
    fields.push({
      key: 'difficulty',
      label: `Difficulty (${data.difficultyScore ?? 'normalised'}, mean of patches)`,
      kind: 'value',
      values: data.difficulty,
    });
  const scores = data.sampleScores;
  if (scores) {
    fields.push(
      { key: 'hardestPatch', label: 'Difficulty (hardest patch)', kind: 'value', values: scores.hardestPatch },
      { key: 'uniqueness', label: 'Uniqueness (distance to nearest)', kind: 'value', values: scores.uniqueness },
      {
        key: 'representativeness',
        label: 'Representativeness (similarity to cluster centroid)',
        kind: 'value',
        values: scores.representativeness,
      },
      {
        key: 'embeddingCluster',
        label: 'Cluster (k-means on the embeddings)',
        kind: 'category',
        of: scores.cluster,
        labels: Array.from({ length: scores.clusters }, (_, c) => `cluster ${c + 1}`),
      },
    );
  }
  if (data.duplicates?.length) {
    // Category 0 is "in no group"; group k is category k + 1.
    const of = new Uint16Array(n);
    data.duplicates.forEach((g, k) => g.members.forEach((id) => id < n && (of[id] = Math.min(k + 1, 65535))));
    fields.push({
      key: 'duplicateGroup',
      label: 'Duplicate group',
      kind: 'category',
      of,
      labels: ['no group', ...data.duplicates.map((g, k) => `group ${k + 1} (${g.members.length}, ${g.kind})`)],
      muted: [0],
    });
  }
  const order = data.selections.find((s) => s.method === method)?.selected;
  if (order) {
    const values = new Float32Array(n).fill(NaN);
    order.forEach((id, k) => id < n && (values[id] = k + 1));
    fields.push({ key: 'selectionOrder', label: `Selection order (${method})`, kind: 'value', values });
  }
  for (const column of data.metadata ?? []) {
    const missing = column.values.indexOf(MISSING_VALUE);
    fields.push({
      key: `meta:${column.name}`,
      label: column.name,
      kind: 'category',
      of: column.of,
      labels: column.values,
      ...(missing >= 0 ? { muted: [missing] } : {}),
    });
  }
  return fields;
}

/** A field's value of sample `id` as text (details panel, tooltips). */
export function fieldText(field: SampleField, id: number): string {
  if (field.kind === 'category') return field.labels[field.of[id]!] ?? '';
  const v = field.values[id]!;
  return Number.isNaN(v) ? '—' : Number.isInteger(v) ? String(v) : v.toPrecision(3);
}
