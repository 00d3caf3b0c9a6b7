/**
 * The report's plots as standalone SVG (no browser, no dependency): a grouped bar chart of mIoU
 * per method and data set with seed spread as error bars, and mIoU against budget.
 */

export interface BarGroup {
  label: string;
  bars: Array<{ series: string; mean: number; sd: number }>;
}

export interface LineSeries {
  series: string;
  points: Array<{ x: number; mean: number; sd: number }>;
  /** Budget-free methods (full, scratch) are drawn as horizontal reference lines. */
  reference?: boolean;
}

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** One colour per series name, stable across plots of one report. */
export function seriesColours(series: readonly string[]): Map<string, string> {
  return new Map(series.map((s, i) => [s, PALETTE[i % PALETTE.length]]));
}

const FONT = 'font-family="sans-serif" font-size="12"';

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A y-axis from 0 to a rounded maximum, with ticks and grid lines. */
function yAxis(
  max: number,
  left: number,
  top: number,
  height: number,
  width: number,
  label: string,
): { scale: (v: number) => number; svg: string } {
  const top01 = Math.max(0.1, Math.ceil((max + 1e-9) * 10) / 10);
  const scale = (v: number) => top + height - (Math.max(0, v) / top01) * height;
  const ticks = Array.from({ length: Math.round(top01 * 10) + 1 }, (_, i) => i / 10).filter(
    (_, i, all) => all.length <= 6 || i % 2 === 0,
  );
  const lines = ticks.map(
    (t) =>
      `<line x1="${left}" x2="${left + width}" y1="${fmt(scale(t))}" y2="${fmt(scale(t))}" stroke="#ddd"/><text x="${left - 6}" y="${fmt(scale(t) + 4)}" text-anchor="end" ${FONT}>${t.toFixed(1)}</text>`,
  );
  const title = `<text transform="translate(14 ${fmt(top + height / 2)}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(label)}</text>`;
  return { scale, svg: lines.join('') + title };
}

function legend(series: readonly string[], colours: Map<string, string>, x: number, y: number): string {
  return series
    .map(
      (s, i) =>
        `<rect x="${x}" y="${y + i * 18}" width="12" height="12" fill="${colours.get(s)}"/><text x="${x + 18}" y="${y + i * 18 + 10}" ${FONT}>${escapeXml(s)}</text>`,
    )
    .join('');
}

function frame(plotWidth: number, height: number, title: string, body: string): string {
  // Wide enough for the title too (about 9 px per character at 14 px bold).
  const width = Math.max(plotWidth, Math.ceil(title.length * 9 + 20));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#fff"/><text x="10" y="20" font-family="sans-serif" font-size="14" font-weight="bold">${escapeXml(title)}</text>${body}</svg>\n`;
}

export function barChart(
  title: string,
  yLabel: string,
  groups: readonly BarGroup[],
  series: readonly string[],
): string {
  const colours = seriesColours(series);
  const barWidth = 14;
  const groupWidth = series.length * barWidth + 24;
  const left = 60;
  const top = 36;
  const plotHeight = 240;
  const plotWidth = Math.max(200, groups.length * groupWidth);
  const max = Math.max(
    0,
    ...groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.mean) ? b.mean + (b.sd || 0) : 0))),
  );
  const axis = yAxis(max, left, top, plotHeight, plotWidth, yLabel);
  const body = groups.map((group, gi) => {
    const x0 = left + gi * groupWidth + 12;
    const bars = series.map((s, si) => {
      const bar = group.bars.find((b) => b.series === s);
      if (!bar || !Number.isFinite(bar.mean)) return '';
      const x = x0 + si * barWidth;
      const y = axis.scale(bar.mean);
      const tip = `<title>${escapeXml(`${s} on ${group.label}: ${bar.mean.toFixed(3)} ± ${bar.sd.toFixed(3)}`)}</title>`;
      const err =
        bar.sd > 0
          ? `<line x1="${x + barWidth / 2}" x2="${x + barWidth / 2}" y1="${fmt(axis.scale(bar.mean + bar.sd))}" y2="${fmt(axis.scale(bar.mean - bar.sd))}" stroke="#333"/>`
          : '';
      return `<rect x="${x}" y="${fmt(y)}" width="${barWidth - 2}" height="${fmt(top + plotHeight - y)}" fill="${colours.get(s)}">${tip}</rect>${err}`;
    });
    const label = `<text x="${x0 + (series.length * barWidth) / 2}" y="${top + plotHeight + 16}" text-anchor="middle" ${FONT}>${escapeXml(group.label)}</text>`;
    return bars.join('') + label;
  });
  const width = left + plotWidth + 130;
  return frame(
    width,
    top + plotHeight + 40,
    title,
    axis.svg + body.join('') + legend(series, colours, left + plotWidth + 16, top),
  );
}

export function lineChart(title: string, xLabel: string, yLabel: string, lines: readonly LineSeries[]): string {
  const series = lines.map((l) => l.series);
  const colours = seriesColours(series);
  const left = 60;
  const top = 36;
  const plotHeight = 240;
  const plotWidth = 360;
  const xs = [...new Set(lines.filter((l) => !l.reference).flatMap((l) => l.points.map((p) => p.x)))].sort(
    (a, b) => a - b,
  );
  // Budgets span orders of magnitude (1%, 5%, 20%): a log axis keeps them apart.
  const logMin = Math.log(xs[0] ?? 0.01);
  const logMax = Math.log(xs[xs.length - 1] ?? 1);
  const xScale = (x: number) =>
    left + (logMax > logMin ? ((Math.log(x) - logMin) / (logMax - logMin)) * plotWidth : plotWidth / 2);
  const max = Math.max(
    0,
    ...lines.flatMap((l) => l.points.map((p) => (Number.isFinite(p.mean) ? p.mean + (p.sd || 0) : 0))),
  );
  const axis = yAxis(max, left, top, plotHeight, plotWidth, yLabel);
  const xTicks = xs
    .map(
      (x) =>
        `<text x="${fmt(xScale(x))}" y="${top + plotHeight + 16}" text-anchor="middle" ${FONT}>${escapeXml(`${+(x * 100).toFixed(2)}%`)}</text>`,
    )
    .join('');
  const xTitle = `<text x="${left + plotWidth / 2}" y="${top + plotHeight + 34}" text-anchor="middle" ${FONT}>${escapeXml(xLabel)}</text>`;
  const body = lines.map((line) => {
    const colour = colours.get(line.series);
    const points = line.points.filter((p) => Number.isFinite(p.mean));
    if (line.reference) {
      const p = points[0];
      if (!p) return '';
      return `<line x1="${left}" x2="${left + plotWidth}" y1="${fmt(axis.scale(p.mean))}" y2="${fmt(axis.scale(p.mean))}" stroke="${colour}" stroke-dasharray="6 4" stroke-width="2"><title>${escapeXml(`${line.series}: ${p.mean.toFixed(3)} ± ${p.sd.toFixed(3)}`)}</title></line>`;
    }
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${fmt(xScale(p.x))} ${fmt(axis.scale(p.mean))}`).join(' ');
    const dots = points
      .map(
        (p) =>
          `<circle cx="${fmt(xScale(p.x))}" cy="${fmt(axis.scale(p.mean))}" r="3.5" fill="${colour}"><title>${escapeXml(`${line.series} at ${p.x}: ${p.mean.toFixed(3)} ± ${p.sd.toFixed(3)}`)}</title></circle>`,
      )
      .join('');
    return `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>${dots}`;
  });
  return frame(
    left + plotWidth + 150,
    top + plotHeight + 46,
    title,
    axis.svg + xTicks + xTitle + body.join('') + legend(series, colours, left + plotWidth + 16, top),
  );
}
