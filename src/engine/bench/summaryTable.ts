/** The table `optidel bench` prints on the terminal (and `npm run demo` shows): mean mIoU per method and data set. */
import type { BenchResult } from '../../shared/commands';

export function formatSummaryTable(summary: BenchResult): string {
  const pct = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? (v * 100).toFixed(1) : '–');
  const header = ['method', ...summary.datasets, 'mean'];
  const rows = summary.methods.map((m) => [
    m,
    ...summary.datasets.map((d) => pct(summary.mIoU[m]?.[d])),
    pct(summary.meanMIoU[m]),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `mIoU without background (%), mean over ${summary.seeds} seed(s), budget ${summary.budget}:`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    `${summary.cells} cells (${summary.computed} computed now, ${summary.reused} reused); report: ${summary.out}/report.md`,
  ].join('\n');
}
