/**
 * Embedding map: the pool's 2D projection on canvas (pan, zoom, hover), coloured by selection,
 * a two-method comparison, difficulty, cluster or source; a lasso shows the chosen samples'
 * thumbnails. Keyboard: +/- zoom, arrows pan, 0 resets, L toggles the lasso.
 */
import type { RunViewData } from '../../src/shared/viewMessages';
import { connectToHost } from '../common/messaging';
import { createScatterPlot } from '../common/scatterPlot';
import { adoptStyles, el } from '../common/styles';
import { paintThumbnail } from '../common/thumbnails';
import { methodOptions } from '../common/selection';
import { button, createShell, followHost, selectControl, showRunHeader } from '../common/viewShell';
import { colourModes, colouringFor, describeSample, type ColourMode } from './colouring';

interface MapState {
  runDir: string;
  colourBy: ColourMode;
  methodA: string;
  methodB: string;
  zoom: { k: number; x: number; y: number };
  layout: MapLayout;
}

type MapLayout = 'pca' | 'umap';

const THUMBS_SHOWN = 48;
adoptStyles(`
.odl-lasso-strip { display: flex; flex-wrap: wrap; gap: 4px; padding-top: 6px; }
.odl-lasso-strip .odl-thumb { background-color: var(--vscode-editorWidget-background, #252526); border: 1px solid var(--vscode-widget-border, transparent); }
.odl-lasso-strip .odl-thumb.odl-selected { border-color: var(--vscode-charts-blue, #3794ff); }
.odl-captioned { margin: 0; display: flex; flex-direction: column; align-items: center; gap: 2px; }
`);

const host = connectToHost<MapState>();
const shell = createShell('Embedding map');
followHost(shell, host);
let data: RunViewData | undefined;
const clusterCache: { clusters?: Uint8Array } = {};
let mode: 'pan' | 'lasso' = 'pan';
/** The projection split into x and y once per data load (the scatter plot's input). */
let xs = new Float32Array(0);
let ys = new Float32Array(0);

/** Which 2D layout the map shows: the score stage's PCA, or a UMAP when `optidel umap` made one. */
const layoutControl = selectControl('Layout', (v) => {
  host.saveState({ layout: v as MapLayout });
  if (data) setGeometry(data);
  recolour();
  plot.resetView();
});
const colourBy = selectControl('Colour by', (v) => {
  host.saveState({ colourBy: v as ColourMode });
  recolour();
});
const methodA = selectControl('Method', (v) => {
  host.saveState({ methodA: v });
  if (data) offerColours(data);
  recolour();
});

/** The colourings this run offers (its sample fields change with the data and the method). */
function offerColours(run: RunViewData): void {
  const modes = colourModes(run, methodA.value);
  const saved = host.state.colourBy;
  colourBy.setOptions(modes, modes.some((m) => m.value === saved) ? saved : 'selected');
}
const methodB = selectControl('Compare with', (v) => {
  host.saveState({ methodB: v });
  recolour();
});
methodB.element.hidden = colourBy.value !== 'compare';
const modeButton = button('Lasso (L)', () => setMode(mode === 'pan' ? 'lasso' : 'pan'), {
  secondary: true,
  title: 'Drag to draw around samples and see their thumbnails',
});
const resetButton = button('Reset view (0)', () => plot.resetView(), { secondary: true });
shell.toolbar.append(
  layoutControl.element,
  colourBy.element,
  methodA.element,
  methodB.element,
  modeButton,
  resetButton,
);

const mapHost = el('div', 'odl-map');
const lassoInfo = el(
  'div',
  'odl-note',
  'Hover a point for its details, right-click it to open the sample, press F to find the samples most similar to it; use the lasso to see thumbnails.',
);
lassoInfo.setAttribute('aria-live', 'polite');
const strip = el('div', 'odl-lasso-strip');
const empty = el('div', 'odl-empty', 'Waiting for the run data…');
shell.body.append(empty, mapHost, lassoInfo, strip);

const plot = createScatterPlot(mapHost, {
  ariaLabel: 'Embedding map of the pool: each point is one sample',
  height: Math.max(320, Math.round(window.innerHeight * 0.62)),
  initialZoom: host.state.zoom,
  onZoom: (zoom) => host.saveState({ zoom }),
  describe: (_, id) => (data ? describeSample(data, id) : ''),
  onLasso: showLasso,
  onHover: (_, id) => (hoveredSample = id),
});
/** The point under the pointer: a right-click opens it in the sample view (a double-click already zooms). */
let hoveredSample: number | undefined;
mapHost.addEventListener('contextmenu', (event) => {
  if (hoveredSample === undefined) return;
  event.preventDefault();
  host.post({ type: 'openSample', sampleId: hoveredSample });
});
// The browser tests and scripts/bench/views.mjs drive the plot through this handle.
(window as unknown as { __optidel: object }).__optidel = { plot };

function setMode(next: 'pan' | 'lasso'): void {
  mode = next;
  plot.setMode(next);
  modeButton.textContent = next === 'lasso' ? 'Pan (L)' : 'Lasso (L)';
}
document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement) return;
  if (event.key === 'l' || event.key === 'L') setMode(mode === 'pan' ? 'lasso' : 'pan');
  if ((event.key === 'f' || event.key === 'F') && hoveredSample !== undefined) findSimilar(hoveredSample);
});

/** The sample whose neighbours were asked for last: an older answer is dropped. */
let similarTo: number | undefined;
/** "Find similar" (F over a point): the engine's nearest neighbours in embedding space, shown in the strip. */
function findSimilar(sampleId: number): void {
  similarTo = sampleId;
  strip.replaceChildren();
  lassoInfo.textContent = `Searching for the samples most similar to #${sampleId}…`;
  host.post({ type: 'findSimilar', sampleId });
}
host.on('similar', (m) => {
  if (m.sampleId !== similarTo || !data) return;
  if (m.error || !m.neighbours) {
    strip.replaceChildren();
    lassoInfo.textContent = `No similar samples for #${m.sampleId}: ${m.error ?? 'no answer'}`;
    return;
  }
  const similarity = new Map(m.neighbours.map((n) => [n.id, n.similarity]));
  showStrip(
    m.neighbours.map((n) => n.id),
    `The ${m.neighbours.length} samples most similar to #${m.sampleId} (cosine similarity of the embeddings), nearest first:`,
    (id) => similarity.get(id)!.toFixed(3),
  );
});

/** The chosen layout split into x and y once (the scatter plot's input). */
function setGeometry(run: RunViewData): void {
  const points = layoutControl.value === 'umap' && run.umap ? run.umap : run.projection;
  if (!points) return;
  const n = points.length / 2;
  xs = new Float32Array(n);
  ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = points[2 * i]!;
    ys[i] = points[2 * i + 1]!;
  }
}

function recolour(): void {
  if (!data?.projection) return;
  const { color, emphasis } = colouringFor(
    colourBy.value as ColourMode,
    data,
    methodA.value,
    methodB.value,
    clusterCache,
  );
  methodB.element.hidden = colourBy.value !== 'compare';
  plot.update({ x: xs, y: ys, color, emphasis });
}

function showLasso(indices: number[]): void {
  if (!data) return;
  const difficulty = data.difficulty;
  const chosen = difficulty ? [...indices].sort((a, b) => difficulty[b]! - difficulty[a]!) : indices;
  const selected = new Set(data.selections.find((s) => s.method === methodA.value)?.selected ?? []);
  const inSubset = chosen.filter((i) => selected.has(i)).length;
  similarTo = undefined;
  showStrip(
    chosen.slice(0, THUMBS_SHOWN),
    indices.length
      ? `${indices.length} samples in the lasso, ${inSubset} selected by ${methodA.value || 'no method'}; showing the ${Math.min(THUMBS_SHOWN, indices.length)} hardest.`
      : 'No samples inside the lasso.',
  );
}

/** Thumbnails of `ids` below the map (selected ones marked, a click opens one), under `caption`; `label` adds a line under each. */
function showStrip(ids: readonly number[], caption: string, label?: (id: number) => string): void {
  strip.replaceChildren();
  if (!data) return;
  lassoInfo.textContent = caption;
  const selected = new Set(data.selections.find((s) => s.method === methodA.value)?.selected ?? []);
  for (const id of ids) {
    const tile = el('div', `odl-thumb${selected.has(id) ? ' odl-selected' : ''}`);
    tile.title = `${describeSample(data, id)}\nClick to open the sample`;
    tile.setAttribute('role', 'img');
    tile.setAttribute('aria-label', tile.title);
    if (!paintThumbnail(tile, data.thumbs, id, 64)) tile.textContent = `#${id}`;
    tile.addEventListener('click', () => host.post({ type: 'openSample', sampleId: id }));
    strip.append(label ? captioned(tile, `#${id} ${label(id)}`) : tile);
  }
}

function captioned(tile: HTMLElement, text: string): HTMLElement {
  const figure = el('figure', 'odl-captioned');
  figure.append(tile, el('figcaption', 'odl-note', text));
  return figure;
}

host.on('data', ({ data: next }) => {
  const geometryChanged = !data || data.projection !== next.projection || data.umap !== next.umap;
  data = next;
  const layouts: Array<{ value: MapLayout; label: string }> = [
    { value: 'pca', label: 'PCA' },
    ...(next.umap ? [{ value: 'umap' as const, label: 'UMAP' }] : []),
  ];
  layoutControl.setOptions(layouts, layouts.some((l) => l.value === host.state.layout) ? host.state.layout : 'pca');
  layoutControl.element.hidden = layouts.length < 2;
  host.saveState({ runDir: next.runDir });
  showRunHeader(shell, next);
  const methods = methodOptions(next.selections);
  methodA.setOptions(methods, methods.some((m) => m.value === host.state.methodA) ? host.state.methodA : undefined);
  methodB.setOptions(
    methods,
    methods.some((m) => m.value === host.state.methodB)
      ? host.state.methodB
      : methods.find((m) => m.value !== methodA.value)?.value,
  );
  offerColours(next);
  if (!next.projection) {
    empty.textContent = next.samples
      ? 'No projection yet: it is written by the score stage.'
      : 'No samples yet: run the ingest and score stages.';
    empty.hidden = false;
    mapHost.hidden = true;
    return;
  }
  empty.hidden = true;
  mapHost.hidden = false;
  if (geometryChanged) {
    clusterCache.clusters = undefined;
    setGeometry(next);
  }
  recolour();
});
host.post({ type: 'ready' });
