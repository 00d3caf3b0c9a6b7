/**
 * Segmentation results: a test image with ground truth (outlines) and prediction (filled, opacity
 * slider) for two methods side by side, per-class IoU on that sample, and the benchmark table with a
 * plot of mIoU per method (one dot per seed).
 */
import { axisBottom, axisLeft, max, min, scaleBand, scaleLinear, select } from 'd3';
import type { PredictionsView, RunViewData } from '../../src/shared/viewMessages';
import type { Rgba } from '../common/colors';
import { connectToHost } from '../common/messaging';
import { adoptStyles, el } from '../common/styles';
import { onThemeChange, readThemeColors, rgbaOf } from '../common/theme';
import { createShell, followHost, selectControl, showRunHeader } from '../common/viewShell';
import { formatDifference, type Difference } from '../../src/shared/benchStats';
import { benchRows, labelOutline, labelOverlay, labelsFromRgba, type BenchRow } from './model';

interface SegmentationState {
  runDir: string;
  dataset: string;
  sample: string;
  methodA: string;
  methodB: string;
  opacity: number;
  showTruth: boolean;
}

const VIEW_SIZE = 256;
adoptStyles(`
.odl-pair { display: flex; flex-wrap: wrap; gap: 24px; }
.odl-pane h3 { font-size: 1em; margin: 4px 0; font-weight: 600; }
.odl-pane canvas { width: ${VIEW_SIZE}px; height: ${VIEW_SIZE}px; image-rendering: pixelated; display: block; border: 1px solid var(--vscode-widget-border, transparent); }
.odl-legend-row { display: flex; gap: 12px; margin: 6px 0; flex-wrap: wrap; }
.odl-swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
table.odl-table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
.odl-table th, .odl-table td { padding: 3px 10px; text-align: right; border-bottom: 1px solid var(--vscode-widget-border, rgba(128,128,128,0.35)); }
.odl-table th:first-child, .odl-table td:first-child { text-align: left; }
.odl-table th { color: var(--vscode-descriptionForeground, #9d9d9d); font-weight: 600; }
.odl-table tr.odl-best td, .odl-table td.odl-shown { font-weight: 600; }
.odl-plot .odl-dot { fill: var(--vscode-charts-blue, #3794ff); fill-opacity: 0.8; }
.odl-plot .odl-mean { stroke: var(--vscode-foreground, #ccc); stroke-width: 2; }
.odl-plot .odl-spread { stroke: var(--vscode-descriptionForeground, #9d9d9d); stroke-width: 1; }
.odl-plot .odl-axis-title { fill: var(--vscode-descriptionForeground, #9d9d9d); font-size: 11px; }
.odl-plot .tick text { fill: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-plot .domain, .odl-plot .tick line { stroke: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-field input[type=range] { width: 160px; }
`);

const host = connectToHost<SegmentationState>();
const shell = createShell('Segmentation results');
followHost(shell, host);
let data: RunViewData | undefined;
let theme = readThemeColors();

const dataset = selectControl('Data set', (v) => {
  host.saveState({ dataset: v, sample: undefined });
  configure();
});
const sample = selectControl('Test image', (v) => {
  host.saveState({ sample: v });
  void drawPanes();
});
const methodA = selectControl('Left', (v) => {
  host.saveState({ methodA: v });
  void drawPanes();
});
const methodB = selectControl('Right', (v) => {
  host.saveState({ methodB: v });
  void drawPanes();
});
const opacityField = el('label', 'odl-field');
const opacity = el('input');
opacity.type = 'range';
opacity.min = '0';
opacity.max = '100';
opacity.value = String(Math.round((host.state.opacity ?? 0.5) * 100));
opacity.setAttribute('aria-label', 'Prediction opacity');
const opacityText = el('span', undefined, `Prediction opacity ${opacity.value}%`);
opacityField.append(opacityText, opacity);
opacity.addEventListener('input', () => {
  opacityText.textContent = `Prediction opacity ${opacity.value}%`;
  host.saveState({ opacity: Number(opacity.value) / 100 });
  void drawPanes();
});
const truthToggle = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
truthToggle.setAttribute('label', 'Ground truth outline');
truthToggle.checked = host.state.showTruth ?? true;
truthToggle.addEventListener('change', () => {
  host.saveState({ showTruth: truthToggle.checked });
  void drawPanes();
});
shell.toolbar.append(dataset.element, sample.element, methodA.element, methodB.element, opacityField, truthToggle);

const empty = el('div', 'odl-empty', 'Waiting for the run data…');
const samplesSection = el('section');
const legend = el('div', 'odl-legend-row');
const pair = el('div', 'odl-pair');
const iouTable = el('table', 'odl-table');
samplesSection.append(
  el('h2', undefined, 'Test image'),
  el(
    'p',
    'odl-note',
    "From seed 0's test split, with seed 0's predictions: each seed tests other subjects, so the table below averages over other images.",
  ),
  legend,
  pair,
  el('h2', undefined, 'IoU per class on this image'),
  iouTable,
);
const benchSection = el('section');
shell.body.append(empty, samplesSection, benchSection);
const panes = [makePane(), makePane()];
pair.append(...panes.map((p) => p.root));
const labelCache = new Map<string, Promise<Uint8Array>>();

function makePane(): { root: HTMLElement; title: HTMLElement; canvas: HTMLCanvasElement } {
  const root = el('div', 'odl-pane');
  const title = el('h3');
  const canvas = el('canvas');
  canvas.width = VIEW_SIZE;
  canvas.height = VIEW_SIZE;
  canvas.setAttribute('role', 'img');
  root.append(title, canvas);
  return { root, title, canvas };
}

const classPalette = (): Rgba[] =>
  theme.categorical
    .slice(1)
    .map(rgbaOf)
    .concat([rgbaOf(theme.categorical[0]!)]);

function currentPredictions(): PredictionsView | undefined {
  return data?.predictions?.find((p) => p.dataset === dataset.value);
}

/** Label map pixels through the host (it checks the path stays inside the run folder). */
function readLabels(path: string): Promise<Uint8Array> {
  let pending = labelCache.get(path);
  if (!pending) {
    pending = host.readFile(path).then(async (bytes) => {
      const bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      return labelsFromRgba(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data);
    });
    pending.catch(() => labelCache.delete(path));
    labelCache.set(path, pending);
  }
  return pending;
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(`could not load ${url}`));
    image.src = url;
  });
}

function layer(pixels: Uint8ClampedArray<ArrayBuffer>, size: number): HTMLCanvasElement {
  const canvas = el('canvas');
  canvas.width = size;
  canvas.height = size;
  canvas.getContext('2d')!.putImageData(new ImageData(pixels, size, size), 0, 0);
  return canvas;
}

let drawGeneration = 0;
async function drawPanes(): Promise<void> {
  const predictions = currentPredictions();
  const index = predictions?.samples.findIndex((s) => s.name === sample.value) ?? -1;
  if (!predictions || index < 0) return;
  const generation = ++drawGeneration;
  const item = predictions.samples[index]!;
  const size = predictions.imageSize;
  const palette = classPalette();
  try {
    const [image, truth] = await Promise.all([loadImage(item.imageUrl), readLabels(item.truthPath)]);
    const runs = [methodA.value, methodB.value].map((m) => predictions.runs.find((r) => `${r.method}/${r.seed}` === m));
    const predicted = await Promise.all(
      runs.map((r) => (r ? readLabels(r.predictionPaths[index]!) : Promise.resolve(undefined))),
    );
    if (generation !== drawGeneration) return;
    panes.forEach((pane, k) => {
      const run = runs[k];
      pane.title.textContent = run ? `${run.method} (seed ${run.seed})` : 'no prediction';
      const ctx = pane.canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = false;
      ctx.clearRect(0, 0, VIEW_SIZE, VIEW_SIZE);
      ctx.drawImage(image, 0, 0, VIEW_SIZE, VIEW_SIZE);
      const labels = predicted[k];
      if (labels) {
        ctx.globalAlpha = Number(opacity.value) / 100;
        ctx.drawImage(layer(labelOverlay(labels, palette), size), 0, 0, VIEW_SIZE, VIEW_SIZE);
        ctx.globalAlpha = 1;
      }
      if (truthToggle.checked)
        ctx.drawImage(layer(labelOutline(truth, size, palette), size), 0, 0, VIEW_SIZE, VIEW_SIZE);
      pane.canvas.setAttribute(
        'aria-label',
        `${item.name}: ${pane.title.textContent}, prediction filled, ground truth outlined`,
      );
    });
    renderIouTable(predictions, index, runs);
    shell.showError(undefined);
  } catch (err) {
    shell.showError(`Could not show ${item.name}: ${(err as Error).message}`);
  }
}

function renderLegend(predictions: PredictionsView): void {
  const palette = classPalette();
  legend.replaceChildren(
    ...predictions.classes.slice(1).map((name, c) => {
      const item = el('span');
      const swatch = el('span', 'odl-swatch');
      const [r, g, b] = palette[c % palette.length]!;
      swatch.style.background = `rgb(${r}, ${g}, ${b})`;
      item.append(swatch, document.createTextNode(name));
      return item;
    }),
    el('span', 'odl-note', 'filled: prediction · outline: ground truth'),
  );
}

function renderIouTable(
  predictions: PredictionsView,
  index: number,
  runs: Array<PredictionsView['runs'][number] | undefined>,
): void {
  const head = el('tr');
  head.append(el('th', undefined, 'class'), ...runs.map((r) => el('th', undefined, r ? r.method : '—')));
  const rows = predictions.classes.map((name, c) => {
    const tr = el('tr');
    tr.append(
      el('td', undefined, name),
      ...runs.map((r) => {
        const v = r?.sampleIoU?.[index]?.[c];
        return el('td', undefined, v === null || v === undefined ? '—' : v.toFixed(3));
      }),
    );
    return tr;
  });
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  tbody.append(...rows);
  iouTable.replaceChildren(thead, tbody);
}

function renderBench(): void {
  benchSection.replaceChildren();
  const cells = data?.bench?.cells ?? [];
  if (!cells.length) return;
  const rows = benchRows(data!.bench!);
  const note =
    'mIoU without background, mean ± standard deviation over seeds; differences paired by seed in points of mIoU with their 95% interval, in bold where it excludes 0 (as in report.md).';
  benchSection.append(el('h2', undefined, 'Benchmark'), el('p', 'odl-note', note));
  for (const name of [...new Set(rows.map((r) => r.dataset))]) {
    const group = rows.filter((r) => r.dataset === name);
    benchSection.append(el('h3', undefined, name), benchTable(group), benchPlot(group));
  }
}

function benchTable(rows: BenchRow[]): HTMLTableElement {
  const table = el('table', 'odl-table');
  const head = el('tr');
  head.append(
    ...['method', 'seeds', 'mIoU', 'Dice', 'NormDEL', 'vs full', 'vs random'].map((h) => el('th', undefined, h)),
  );
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  const best = Math.max(...rows.map((r) => r.mIoU));
  for (const r of rows) {
    const tr = el('tr', r.mIoU === best ? 'odl-best' : undefined);
    tr.append(
      ...[
        r.method,
        String(r.seeds),
        `${(r.mIoU * 100).toFixed(1)} ± ${(r.mIoUSpread * 100).toFixed(1)}`,
        (r.dice * 100).toFixed(1),
        r.normDel.toFixed(3),
      ].map((t) => el('td', undefined, t)),
      differenceCell(r.vsFull),
      differenceCell(r.vsRandom),
    );
    tbody.append(tr);
  }
  table.append(thead, tbody);
  return table;
}

function differenceCell(d: Difference | undefined): HTMLTableCellElement {
  return el('td', d?.shown ? 'odl-shown' : undefined, formatDifference(d));
}

function benchPlot(rows: BenchRow[]): HTMLElement {
  const wrap = el('div', 'odl-plot');
  const width = Math.min(640, Math.max(280, rows.length * 90));
  const height = 200;
  const margin = { top: 10, right: 10, bottom: 28, left: 44 };
  const svg = select(wrap)
    .append('svg')
    .attr('width', width)
    .attr('height', height)
    .attr('role', 'img')
    .attr('aria-label', `mIoU per method: ${rows.map((r) => `${r.method} ${(r.mIoU * 100).toFixed(1)}`).join(', ')}`);
  const x = scaleBand()
    .domain(rows.map((r) => r.method))
    .range([margin.left, width - margin.right])
    .padding(0.4);
  const all = rows.flatMap((r) => r.perSeed);
  const y = scaleLinear()
    .domain([Math.max(0, (min(all) ?? 0) - 0.05), Math.min(1, (max(all) ?? 1) + 0.05)])
    .nice()
    .range([height - margin.bottom, margin.top]);
  svg
    .append('g')
    .attr('transform', `translate(0,${height - margin.bottom})`)
    .call(axisBottom(x));
  svg
    .append('g')
    .attr('transform', `translate(${margin.left},0)`)
    .call(
      axisLeft(y)
        .ticks(5)
        .tickFormat((v) => `${Math.round(Number(v) * 100)}`),
    );
  svg
    .append('text')
    .attr('class', 'odl-axis-title')
    .attr('transform', `translate(12,${(margin.top + height - margin.bottom) / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text('mIoU (%)');
  for (const r of rows) {
    const cx = x(r.method)! + x.bandwidth() / 2;
    const g = svg.append('g');
    g.append('line')
      .attr('class', 'odl-spread')
      .attr('x1', cx)
      .attr('x2', cx)
      .attr('y1', y(r.mIoU - r.mIoUSpread))
      .attr('y2', y(r.mIoU + r.mIoUSpread));
    g.append('line')
      .attr('class', 'odl-mean')
      .attr('x1', cx - x.bandwidth() / 2)
      .attr('x2', cx + x.bandwidth() / 2)
      .attr('y1', y(r.mIoU))
      .attr('y2', y(r.mIoU));
    g.selectAll('circle')
      .data(r.perSeed)
      .join('circle')
      .attr('class', 'odl-dot')
      .attr('r', 4)
      .attr('cx', (_, k) => cx + (k - (r.perSeed.length - 1) / 2) * 7)
      .attr('cy', (v) => y(v))
      .append('title')
      .text((v, k) => `${r.method} seed ${k}: ${(v * 100).toFixed(1)}`);
  }
  return wrap;
}

function configure(): void {
  const predictions = currentPredictions();
  samplesSection.hidden = !predictions;
  if (!predictions) return;
  sample.setOptions(
    predictions.samples.map((s) => ({ value: s.name, label: s.name })),
    predictions.samples.some((s) => s.name === host.state.sample) ? host.state.sample : undefined,
  );
  const runs = [...predictions.runs].sort(
    (a, b) =>
      (a.method === 'optidel' ? -1 : b.method === 'optidel' ? 1 : a.method.localeCompare(b.method)) || a.seed - b.seed,
  );
  const options = runs.map((r) => ({ value: `${r.method}/${r.seed}`, label: `${r.method} (seed ${r.seed})` }));
  const has = (v: string | undefined): v is string => options.some((o) => o.value === v);
  methodA.setOptions(options, has(host.state.methodA) ? host.state.methodA : undefined);
  methodB.setOptions(
    options,
    has(host.state.methodB)
      ? host.state.methodB
      : (options.find((o) => o.value.startsWith('random/'))?.value ?? options[1]?.value),
  );
  renderLegend(predictions);
  void drawPanes();
}

onThemeChange(() => {
  theme = readThemeColors();
  const predictions = currentPredictions();
  if (predictions) renderLegend(predictions);
  void drawPanes();
});

host.on('data', ({ data: next }) => {
  data = next;
  labelCache.clear();
  host.saveState({ runDir: next.runDir });
  showRunHeader(shell, next);
  const names = (next.predictions ?? []).map((p) => p.dataset);
  const hasAnything = names.length > 0 || Boolean(next.bench?.cells.length);
  empty.hidden = hasAnything;
  // Pickers with nothing to pick from only look broken.
  shell.toolbar.hidden = !hasAnything;
  if (!hasAnything)
    empty.textContent =
      'No benchmark yet: run "OptiDEL: Run Benchmark" (or optidel bench) to fill bench/report.json and the predictions.';
  dataset.setOptions(
    names.map((n) => ({ value: n, label: n })),
    names.includes(host.state.dataset ?? '') ? host.state.dataset : undefined,
  );
  dataset.element.hidden = names.length < 2;
  configure();
  renderBench();
});
host.post({ type: 'ready' });
