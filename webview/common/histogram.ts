/**
 * A difficulty histogram in SVG (a few dozen bars, so the DOM stays small and testable): the whole
 * distribution, a highlighted subset on the same bins, and an optional cut-off line. Colours come
 * from `--vscode-*` variables in CSS, so a theme switch needs no redraw. Arrow keys move between
 * bins and announce their counts. Framework-free, shared with the notebook renderer.
 */
import { axisBottom, axisLeft, max, scaleLinear, select } from 'd3';
import { computeHistogram, type Histogram } from './histogramBins';
import { adoptStyles, el } from './styles';

export interface HistogramData {
  values: ArrayLike<number>;
  /** Indices into `values` of the subset drawn over the distribution (the selected samples). */
  highlighted?: ArrayLike<number>;
  /** A value marked with a vertical line (the top-N cut-off). */
  cutoff?: number;
  cutoffLabel?: string;
}

export interface HistogramOptions {
  height?: number;
  bins?: number;
  xLabel?: string;
  labels?: { all: string; highlighted: string };
  ariaLabel?: string;
  styleRoot?: Document | ShadowRoot;
}

export interface HistogramView {
  update(data: HistogramData): void;
  readonly element: HTMLElement;
  /** The bins last drawn: all values and the highlighted subset. */
  readonly bins: { all: Histogram; highlighted?: Histogram } | undefined;
  dispose(): void;
}

const CSS = `
.odl-hist { position: relative; width: 100%; font: 11px var(--vscode-font-family, system-ui, sans-serif); color: var(--vscode-foreground, #ccc); }
.odl-hist > svg { display: block; overflow: visible; outline: none; }
.odl-hist > svg:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); }
.odl-hist .odl-bar-all { fill: var(--vscode-disabledForeground, #8b8b8b); fill-opacity: 0.55; }
.odl-hist .odl-bar-sel { fill: var(--vscode-charts-blue, #3794ff); }
.odl-hist .odl-bar-focus { fill: none; stroke: var(--vscode-focusBorder, #007fd4); stroke-width: 2; }
.odl-hist .odl-cutoff { stroke: var(--vscode-charts-red, #f14c4c); stroke-width: 2; stroke-dasharray: 5 3; }
.odl-hist .odl-cutoff-label { fill: var(--vscode-charts-red, #f14c4c); }
.odl-hist .tick text, .odl-hist .odl-axis-label { fill: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-hist .domain, .odl-hist .tick line { stroke: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-hist .odl-hist-legend { display: flex; gap: 12px; padding: 2px 0 4px; }
.odl-hist .odl-swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px;
  border: 1px solid var(--vscode-contrastBorder, transparent); }
.odl-hist .odl-hist-status { min-height: 1.4em; color: var(--vscode-descriptionForeground, #9d9d9d); }
`;

const MARGIN = { top: 18, right: 12, bottom: 34, left: 44 };

export function createHistogram(container: HTMLElement, options: HistogramOptions = {}): HistogramView {
  adoptStyles(CSS, options.styleRoot);
  const root = el('div', 'odl-hist');
  const legend = el('div', 'odl-hist-legend');
  const labels = options.labels ?? { all: 'All', highlighted: 'Selected' };
  for (const [cls, text] of [
    ['odl-bar-all', labels.all],
    ['odl-bar-sel', labels.highlighted],
  ] as const) {
    const item = el('span');
    const swatchSvg = select(item).append('svg').attr('width', 12).attr('height', 12).attr('aria-hidden', 'true');
    swatchSvg.append('rect').attr('class', cls).attr('width', 12).attr('height', 12);
    item.append(document.createTextNode(` ${text}`));
    legend.append(item);
  }
  const status = el('div', 'odl-hist-status');
  status.setAttribute('aria-live', 'polite');
  root.append(legend);
  container.append(root);
  const svg = select(root)
    .append('svg')
    .attr('tabindex', 0)
    .attr('role', 'img')
    .attr('aria-label', options.ariaLabel ?? 'Histogram');
  root.append(status);

  let data: HistogramData | undefined;
  let bins: { all: Histogram; highlighted?: Histogram } | undefined;
  let focusedBin = -1;

  function describeBin(i: number): string {
    if (!bins) return '';
    const { edges, counts } = bins.all;
    const sel = bins.highlighted ? `, ${bins.highlighted.counts[i]} ${labels.highlighted.toLowerCase()}` : '';
    return `${edges[i]!.toPrecision(3)} to ${edges[i + 1]!.toPrecision(3)}: ${counts[i]} ${labels.all.toLowerCase()}${sel}`;
  }

  function draw(): void {
    svg.selectAll('*').remove();
    if (!data || !bins) return;
    const width = Math.max(120, container.clientWidth || 400);
    const height = options.height ?? 220;
    svg.attr('width', width).attr('height', height);
    const { edges, counts } = bins.all;
    const x = scaleLinear()
      .domain([edges[0]!, edges[edges.length - 1]!])
      .range([MARGIN.left, width - MARGIN.right]);
    const y = scaleLinear()
      .domain([0, Math.max(1, max(counts) ?? 1)])
      .nice()
      .range([height - MARGIN.bottom, MARGIN.top]);
    const bar = (group: string, cls: string, values: number[]): void => {
      svg
        .append('g')
        .attr('class', group)
        .selectAll('rect')
        .data(values)
        .join('rect')
        .attr('class', cls)
        .attr('x', (_, i) => x(edges[i]!) + 0.5)
        .attr('width', (_, i) => Math.max(0.5, x(edges[i + 1]!) - x(edges[i]!) - 1))
        .attr('y', (v) => y(v))
        .attr('height', (v) => y(0) - y(v))
        .append('title')
        .text((_, i) => describeBin(i));
    };
    bar('odl-all', 'odl-bar-all', counts);
    if (bins.highlighted) bar('odl-sel', 'odl-bar-sel', bins.highlighted.counts);
    svg
      .append('g')
      .attr('transform', `translate(0,${height - MARGIN.bottom})`)
      .call(axisBottom(x).ticks(Math.max(2, Math.floor(width / 80))));
    svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(y).ticks(5));
    if (options.xLabel) {
      svg
        .append('text')
        .attr('class', 'odl-axis-label')
        .attr('x', (MARGIN.left + width - MARGIN.right) / 2)
        .attr('y', height - 4)
        .attr('text-anchor', 'middle')
        .text(options.xLabel);
    }
    if (data.cutoff !== undefined && Number.isFinite(data.cutoff)) {
      const cx = x(Math.min(Math.max(data.cutoff, edges[0]!), edges[edges.length - 1]!));
      svg
        .append('line')
        .attr('class', 'odl-cutoff')
        .attr('x1', cx)
        .attr('x2', cx)
        .attr('y1', MARGIN.top - 6)
        .attr('y2', height - MARGIN.bottom);
      const right = cx > width * 0.7;
      svg
        .append('text')
        .attr('class', 'odl-cutoff-label')
        .attr('x', right ? cx - 4 : cx + 4)
        .attr('y', MARGIN.top - 8)
        .attr('text-anchor', right ? 'end' : 'start')
        .text(data.cutoffLabel ?? `cut-off ${data.cutoff.toPrecision(3)}`);
    }
    if (focusedBin >= 0 && focusedBin < counts.length) {
      svg
        .append('rect')
        .attr('class', 'odl-bar-focus')
        .attr('x', x(edges[focusedBin]!))
        .attr('width', Math.max(1, x(edges[focusedBin + 1]!) - x(edges[focusedBin]!)))
        .attr('y', MARGIN.top)
        .attr('height', height - MARGIN.bottom - MARGIN.top);
    }
  }

  const onKey = (event: KeyboardEvent): void => {
    if (!bins) return;
    const n = bins.all.counts.length;
    if (event.key === 'ArrowRight') focusedBin = Math.min(n - 1, focusedBin + 1);
    else if (event.key === 'ArrowLeft') focusedBin = Math.max(0, focusedBin < 0 ? n - 1 : focusedBin - 1);
    else if (event.key === 'Home') focusedBin = 0;
    else if (event.key === 'End') focusedBin = n - 1;
    else if (event.key === 'Escape') focusedBin = -1;
    else return;
    event.preventDefault();
    status.textContent = focusedBin >= 0 ? describeBin(focusedBin) : '';
    draw();
  };
  (svg.node() as SVGSVGElement).addEventListener('keydown', onKey);
  const resizeObserver = new ResizeObserver(() => draw());
  resizeObserver.observe(container);

  return {
    element: root,
    get bins() {
      return bins;
    },
    update(next) {
      data = next;
      const all = computeHistogram(next.values, { bins: options.bins ?? 40 });
      bins = {
        all,
        highlighted: next.highlighted
          ? computeHistogram(next.values, { edges: all.edges, indices: next.highlighted })
          : undefined,
      };
      if (focusedBin >= all.counts.length) focusedBin = -1;
      draw();
    },
    dispose() {
      resizeObserver.disconnect();
      root.remove();
    },
  };
}
