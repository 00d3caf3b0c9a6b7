/**
 * Training metrics as the views read them: `metrics/<name>.jsonl` holds one JSON object per line,
 * `{ step, name, value, time }` (written by the engine's pre-training and fine-tuning). Browser-safe.
 */

/** One metric of one training (a stage or a benchmark checkpoint), in step order. */
export interface MetricSeries {
  /** The metrics file's name without .jsonl: a stage (pretrain, train) or a checkpoint (optidel-b0.05-s0). */
  run: string;
  name: string;
  steps: number[];
  values: number[];
}

/** The series of one metrics file; lines that are not a finite { step, name, value } are counted, not kept. */
export function parseMetricsFile(run: string, text: string): { series: MetricSeries[]; badLines: number } {
  const byName = new Map<string, MetricSeries>();
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: { step?: unknown; name?: unknown; value?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      badLines++;
      continue;
    }
    const { step, name, value } = entry ?? {};
    if (typeof step !== 'number' || typeof name !== 'string' || typeof value !== 'number' || !Number.isFinite(value)) {
      badLines++;
      continue;
    }
    const series = byName.get(name) ?? { run, name, steps: [], values: [] };
    byName.set(name, series);
    series.steps.push(step);
    series.values.push(value);
  }
  for (const series of byName.values()) sortByStep(series);
  return { series: [...byName.values()], badLines };
}

function sortByStep(series: MetricSeries): void {
  const order = series.steps.map((_, i) => i).sort((a, b) => series.steps[a]! - series.steps[b]!);
  series.steps = order.map((i) => series.steps[i]!);
  series.values = order.map((i) => series.values[i]!);
}
