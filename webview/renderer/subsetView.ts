/**
 * The interactive view of one subset payload: header numbers, filter bar, the embedding scatter
 * plot and difficulty histogram of the webviews (webview/common, shared, not copied), a thumbnail
 * strip and the details of the hovered sample. Hovering a point, a bar's subset or a thumbnail
 * shows the sample; filters and the lasso narrow every part at once.
 */
import { finiteExtent } from '../common/colors';
import { createHistogram } from '../common/histogram';
import { createScatterPlot, type ScatterColoring } from '../common/scatterPlot';
import { el } from '../common/styles';
import type { SubsetPayload } from '../../src/shared/subsetPayload';
import { describeProvenance, subsetMethodLabel, subsetMethods } from '../../src/shared/subsetPayload';
import { createControls, type ControlsState } from './controls';
import { createHeader } from './header';
import { createSampleDetails, type GalleryOpener } from './sampleDetails';
import { filterSamples, selectionMask, subsetColumns, takeRows } from './subsetFilter';
import { createThumbnailStrip } from './thumbnailStrip';

export interface SubsetViewOptions {
  /** Where the charts put their style sheets: the output's shadow root. */
  styleRoot: Document | ShadowRoot;
  /** Present when the extension host can open the gallery (messaging available and the payload names its run folder). */
  openInGallery?: GalleryOpener;
}

export interface SubsetViewSnapshot {
  samples: number;
  shown: number;
  thumbnails: number;
  /** Non-blank pixels of the scatter canvas; undefined where the canvas cannot be read. */
  scatterInkPixels?: number;
}

export interface SubsetView {
  snapshot(): SubsetViewSnapshot;
  dispose(): void;
}

export function renderSubset(container: HTMLElement, payload: SubsetPayload, options: SubsetViewOptions): SubsetView {
  const root = el('div', 'ods');
  const columns = subsetColumns(payload);
  // One colour scale for every filter, so a colour means the same difficulty whatever is shown.
  const difficultyDomain = finiteExtent(columns.difficulty);
  const masks = new Map<string, Uint8Array>();
  const maskOf = (method: string): Uint8Array => {
    let mask = masks.get(method);
    if (!mask) masks.set(method, (mask = selectionMask(payload, method)));
    return mask;
  };

  const header = createHeader(payload);
  const methods = subsetMethods(payload).map((m) => ({ value: m, label: subsetMethodLabel(payload, m) }));
  const controls = createControls(methods, payload.summary.method, () => refresh());
  const details = createSampleDetails(payload, options.openInGallery);
  const strip = createThumbnailStrip(payload, {
    onHover: (index) => {
      if (index !== undefined) details.show(index);
    },
    onActivate: (index) => {
      details.show(index);
      options.openInGallery?.(payload.samples[index]!.id);
    },
  });

  const charts = el('div', 'ods-charts');
  const scatterBox = el('div', 'ods-scatter');
  const histogramBox = el('div', 'ods-histogram');
  scatterBox.append(el('div', 'ods-chart-title', 'Embedding map (2D projection; drag to pan, wheel to zoom)'));
  histogramBox.append(el('div', 'ods-chart-title', 'Difficulty (masked reconstruction error)'));
  charts.append(scatterBox, histogramBox);
  root.append(header.element, controls.element, charts, strip.element, details.element);
  container.replaceChildren(root);

  // Rows currently drawn (indices into payload.samples), and their columns: hover and lasso map back through them.
  let rows: Int32Array = new Int32Array(0);
  let picked = takeRows(columns, rows);
  let filterKey = '';

  const scatter = createScatterPlot(scatterBox, {
    height: 300,
    pointSize: 3,
    styleRoot: options.styleRoot,
    ariaLabel: 'Embedding map of the samples; selected samples drawn larger',
    describe: (j) => {
      const s = payload.samples[rows[j]!]!;
      return `#${s.id} · difficulty ${s.difficulty.toPrecision(3)}\n${describeProvenance(s.provenance)}`;
    },
    onHover: (j) => {
      const index = j === undefined ? undefined : rows[j];
      strip.setActive(index);
      if (index !== undefined) details.show(index);
    },
    onLasso: (indices) => controls.setLasso(indices.length ? new Set(indices.map((j) => picked.ids[j]!)) : undefined),
  });
  const histogram = createHistogram(histogramBox, {
    height: 300,
    bins: 30,
    xLabel: 'difficulty',
    labels: { all: 'Shown', highlighted: 'Selected' },
    ariaLabel: 'Histogram of the difficulty of the samples shown, the selected ones highlighted',
    styleRoot: options.styleRoot,
  });

  function refresh(): void {
    const state: ControlsState = controls.state;
    const { filter } = state;
    const selected = maskOf(filter.method);
    const key = JSON.stringify([
      filter.method,
      filter.show,
      filter.minDifficulty,
      filter.maxDifficulty,
      filter.text.trim().toLowerCase(),
      filter.lasso ? [...filter.lasso] : null,
    ]);
    const geometryChanged = key !== filterKey;
    if (geometryChanged) {
      filterKey = key;
      rows = filterSamples(columns, selected, filter);
      picked = takeRows(columns, rows);
    }
    const emphasis = new Uint8Array(rows.length);
    const highlighted: number[] = [];
    for (let j = 0; j < rows.length; j++) {
      if (selected[rows[j]!]) {
        emphasis[j] = 1;
        highlighted.push(j);
      }
    }
    const color: ScatterColoring =
      state.colorBy === 'difficulty'
        ? { kind: 'value', values: picked.difficulty, label: 'difficulty', domain: difficultyDomain }
        : {
            kind: 'category',
            values: emphasis.map((e) => 1 - e),
            labels: [`selected by ${filter.method}`, 'not selected'],
            muted: [1],
          };
    scatter.setMode(state.lassoMode ? 'lasso' : 'pan');
    scatter.update({ x: picked.x, y: picked.y, ids: picked.ids, color, emphasis });
    if (geometryChanged) scatter.resetView();
    histogram.update({ values: picked.difficulty, highlighted });
    strip.update(rows, selected);
    let selectedCount = 0;
    for (const v of selected) selectedCount += v;
    header.update(filter.method, selectedCount);
    controls.setCount(rows.length, payload.samples.length);
  }

  refresh();

  return {
    snapshot() {
      return {
        samples: payload.samples.length,
        shown: rows.length,
        thumbnails: strip.count,
        scatterInkPixels: inkPixels(scatter.canvas),
      };
    },
    dispose() {
      scatter.dispose();
      histogram.dispose();
      root.remove();
    },
  };
}

/** Pixels with any opacity on a canvas; undefined where the canvas cannot be read. */
function inkPixels(canvas: HTMLCanvasElement): number | undefined {
  try {
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    if (!data) return undefined;
    let count = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]) count++;
    return count;
  } catch {
    return undefined;
  }
}
