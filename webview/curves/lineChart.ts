/**
 * Line chart of training metrics in SVG (a few hundred points per line): one line per training,
 * coloured from the theme's chart palette and dashed past its six colours, so many trainings stay
 * apart in every theme, high contrast included. Hover or arrow keys move a step marker and announce
 * each line's value there.
 */
import { axisBottom, axisLeft, bisector, extent, line, pointer, scaleLinear, scaleLog, select } from 'd3';
import { adoptStyles, el } from '../common/styles';

export interface ChartLine {
  label: string;
  steps: readonly number[];
  values: readonly number[];
}

export interface LineChartView {
  update(lines: readonly ChartLine[], options: { logY: boolean; yLabel: string }): void;
  readonly element: HTMLElement;
}

const PALETTE = ['blue', 'red', 'green', 'yellow', 'orange', 'purple'];
const DASHES = ['', '6 3', '2 2', '8 3 2 3'];

const CSS = `
.odl-lines { font: 11px var(--vscode-font-family, system-ui, sans-serif); color: var(--vscode-foreground, #ccc); }
.odl-lines svg { display: block; overflow: visible; outline: none; }
.odl-lines svg:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); }
.odl-lines path.odl-line { fill: none; stroke-width: 1.6; }
${PALETTE.map((c, i) => `.odl-lines .odl-c${i} { stroke: var(--vscode-charts-${c}); }`).join('\n')}
.odl-lines .odl-rule { stroke: var(--vscode-descriptionForeground, #9d9d9d); stroke-dasharray: 2 2; }
.odl-lines .tick text, .odl-lines .odl-axis-label { fill: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-lines .domain, .odl-lines .tick line { stroke: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-lines .odl-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 6px 0; }
.odl-lines .odl-legend svg { display: inline-block; vertical-align: middle; margin-right: 4px; }
.odl-lines .odl-readout { min-height: 1.4em; color: var(--vscode-descriptionForeground, #9d9d9d); white-space: pre-wrap; }
`;

const MARGIN = { top: 10, right: 16, bottom: 34, left: 56 };
const HEIGHT = 280;

export function createLineChart(container: HTMLElement): LineChartView {
  adoptStyles(CSS);
  const root = el('div', 'odl-lines');
  const legend = el('div', 'odl-legend');
  const readout = el('div', 'odl-readout');
  readout.setAttribute('aria-live', 'polite');
  container.append(root);
  const svg = select(root).append('svg').attr('tabindex', 0).attr('role', 'img');
  root.append(legend, readout);
  let drawn: readonly ChartLine[] = [];
  let steps: number[] = [];
  let focus = -1;
  let moveRule: (step: number | undefined) => void = () => undefined;

  const announce = (index: number) => {
    focus = Math.max(0, Math.min(steps.length - 1, index));
    const step = steps[focus];
    moveRule(step);
    if (step === undefined) return;
    const at = drawn.map((l) => {
      const k = bisector((s: number) => s).left(l.steps as number[], step);
      const v = l.steps[k] === step ? l.values[k] : undefined;
      return v === undefined ? undefined : `${l.label} ${formatValue(v)}`;
    });
    readout.textContent = `step ${step}: ${at.filter(Boolean).join(' · ')}`;
  };

  svg.on('keydown', (event: KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
    if (!(event.key in moves) || !steps.length) return;
    event.preventDefault();
    const move = moves[event.key]!;
    announce(Number.isFinite(move) ? (focus < 0 ? 0 : focus + move) : move > 0 ? steps.length - 1 : 0);
  });

  return {
    element: root,
    update(lines, options) {
      drawn = lines.filter((l) => l.steps.length > 0);
      steps = [...new Set(drawn.flatMap((l) => l.steps))].sort((a, b) => a - b);
      const width = Math.max(320, container.clientWidth || 640);
      svg
        .attr('width', width)
        .attr('height', HEIGHT)
        .attr('aria-label', `${options.yLabel} by step; arrow keys read the values`);
      svg.selectAll('*').remove();
      legend.replaceChildren();
      readout.textContent = '';
      if (!drawn.length) return;
      const values = drawn.flatMap((l) => l.values as number[]).filter((v) => !options.logY || v > 0);
      const [low, high] = extent(values) as [number, number];
      const x = scaleLinear()
        .domain(extent(steps) as [number, number])
        .range([MARGIN.left, width - MARGIN.right]);
      const y = (options.logY ? scaleLog() : scaleLinear())
        .domain(low === high ? [low * 0.9 || -1, high * 1.1 || 1] : [low, high])
        .nice()
        .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
      svg
        .append('g')
        .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
        .call(axisBottom(x).ticks(Math.max(2, Math.floor(width / 90))));
      svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(y).ticks(6, '~g'));
      svg
        .append('text')
        .attr('class', 'odl-axis-label')
        .attr('x', (MARGIN.left + width - MARGIN.right) / 2)
        .attr('y', HEIGHT - 4)
        .attr('text-anchor', 'middle')
        .text('optimiser step');
      svg
        .append('text')
        .attr('class', 'odl-axis-label')
        .attr('transform', `translate(12,${(HEIGHT - MARGIN.bottom + MARGIN.top) / 2}) rotate(-90)`)
        .attr('text-anchor', 'middle')
        .text(options.yLabel);
      drawn.forEach((l, i) => {
        const path = line<number>()
          .defined((k) => !options.logY || l.values[k]! > 0)
          .x((k) => x(l.steps[k]!))
          .y((k) => y(l.values[k]!));
        svg
          .append('path')
          .attr('class', `odl-line ${styleClass(i)}`)
          .attr('stroke-dasharray', dashOf(i))
          .attr('d', path(l.steps.map((_, k) => k)));
        const item = el('span');
        const swatch = select(item).append('svg').attr('width', 22).attr('height', 8).attr('aria-hidden', 'true');
        swatch
          .append('line')
          .attr('class', `odl-line ${styleClass(i)}`)
          .attr('x1', 0)
          .attr('x2', 22)
          .attr('y1', 4)
          .attr('y2', 4)
          .attr('stroke-width', 2)
          .attr('stroke-dasharray', dashOf(i));
        item.append(document.createTextNode(l.label));
        legend.append(item);
      });
      const rule = svg
        .append('line')
        .attr('class', 'odl-rule')
        .attr('y1', MARGIN.top)
        .attr('y2', HEIGHT - MARGIN.bottom)
        .attr('visibility', 'hidden');
      moveRule = (step) => {
        rule.attr('visibility', step === undefined ? 'hidden' : 'visible');
        if (step !== undefined) rule.attr('x1', x(step)).attr('x2', x(step));
      };
      svg.on('pointermove', (event: PointerEvent) => {
        const [px] = pointer(event);
        announce(bisector((s: number) => s).center(steps, x.invert(px)));
      });
    },
  };
}

function styleClass(i: number): string {
  return `odl-c${i % PALETTE.length}`;
}

function dashOf(i: number): string {
  return DASHES[Math.floor(i / PALETTE.length) % DASHES.length]!;
}

function formatValue(v: number): string {
  return Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}
