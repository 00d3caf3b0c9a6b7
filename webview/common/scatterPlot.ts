/**
 * A canvas scatter plot for up to a few hundred thousand points: pan and zoom with d3-zoom, hover
 * through a quadtree, lasso selection, a legend, keyboard control. Framework-free (plain DOM, d3,
 * canvas) so the webviews and the notebook renderer share it. Points are rasterised straight into
 * an ImageData buffer (scatterGeometry.ts); hover and lasso draw on a second canvas above so they
 * never redraw the points.
 */
import {
  quadtree,
  select,
  zoom as d3zoom,
  zoomIdentity,
  type Quadtree,
  type ZoomBehavior,
  type ZoomTransform,
} from 'd3';
import {
  colorsForCategories,
  colorsForValues,
  finiteExtent,
  packRgba,
  sequentialStartFor,
  sequentialTable,
  rgbaToCss,
  unpackRgba,
  type ScatterColoring,
} from './colors';
import {
  composeZoom,
  emphasisOrder,
  extent2D,
  fitTransform,
  invert,
  pointsInPolygon,
  rasterizePoints,
  type Extent2D,
  type ViewTransform,
} from './scatterGeometry';
import { adoptStyles, el } from './styles';
import { onThemeChange, readThemeColors, rgbaOf, type ThemeColors } from './theme';

export type { ScatterColoring } from './colors';

export interface ScatterData {
  x: Float32Array;
  y: Float32Array;
  /** Sample id per point, passed to callbacks; the point's index when absent. */
  ids?: Int32Array;
  color?: ScatterColoring;
  /** 1 = drawn larger and on top (the selected subset, say). */
  emphasis?: Uint8Array;
}

export interface ScatterOptions {
  /** CSS pixels; the plot fills the container's width. */
  height?: number;
  /** Point side in CSS pixels at zoom 1 (it grows slowly when zooming in). */
  pointSize?: number;
  ariaLabel?: string;
  legend?: boolean;
  /** Tooltip text for a hovered point. */
  describe?(index: number, id: number): string;
  onHover?(index: number | undefined, id: number | undefined): void;
  /** Enables the lasso; receives the indices (not ids) inside it. */
  onLasso?(indices: number[]): void;
  /** Called after every zoom, with the d3 transform (to keep it in webview state). */
  onZoom?(zoom: { k: number; x: number; y: number }): void;
  /** Restore a zoom saved by onZoom. */
  initialZoom?: { k: number; x: number; y: number };
  /** The element whose styles receive the plot's CSS (a shadow root in the renderer). */
  styleRoot?: Document | ShadowRoot;
}

export interface ScatterPlot {
  update(data: ScatterData): void;
  /** 'pan' drags the view; 'lasso' drags a selection outline. The wheel zooms in both. */
  setMode(mode: 'pan' | 'lasso'): void;
  resetView(): void;
  /** Zooms by `factor` around the view centre (keyboard, buttons, benchmark). */
  zoomBy(factor: number): void;
  /** Draws now and returns the time it took in ms (benchmark and tests). */
  renderNow(): number;
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  dispose(): void;
}

const CSS = `
.odl-scatter { position: relative; width: 100%; outline: none; user-select: none; }
.odl-scatter:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: -1px; }
.odl-scatter canvas { position: absolute; left: 0; top: 0; display: block; }
.odl-scatter canvas.odl-overlay { cursor: grab; touch-action: none; }
.odl-scatter.odl-lasso canvas.odl-overlay { cursor: crosshair; }
.odl-scatter .odl-tooltip { position: absolute; pointer-events: none; padding: 2px 6px; white-space: pre; z-index: 2;
  font: 12px var(--vscode-font-family, system-ui, sans-serif);
  color: var(--vscode-editorHoverWidget-foreground, var(--vscode-foreground, #ccc));
  background: var(--vscode-editorHoverWidget-background, #252526);
  border: 1px solid var(--vscode-editorHoverWidget-border, #454545); }
.odl-legend { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; padding: 4px 0;
  font: 12px var(--vscode-font-family, system-ui, sans-serif); color: var(--vscode-foreground, #ccc); }
.odl-legend .odl-swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px;
  border: 1px solid var(--vscode-contrastBorder, transparent); }
.odl-legend canvas { width: 120px; height: 10px; vertical-align: -1px; margin: 0 4px; }
`;

export function createScatterPlot(container: HTMLElement, options: ScatterOptions = {}): ScatterPlot {
  adoptStyles(CSS, options.styleRoot);
  const root = el('div', 'odl-scatter');
  root.tabIndex = 0;
  root.setAttribute('role', 'img');
  root.setAttribute('aria-label', options.ariaLabel ?? 'Scatter plot');
  const canvas = el('canvas', 'odl-points');
  const overlay = el('canvas', 'odl-overlay');
  const tooltip = el('div', 'odl-tooltip');
  tooltip.hidden = true;
  const legend = el('div', 'odl-legend');
  root.append(canvas, overlay, tooltip);
  container.append(root);
  if (options.legend !== false) container.append(legend);

  const ctx = canvas.getContext('2d')!;
  const octx = overlay.getContext('2d')!;
  const basePointSize = options.pointSize ?? 3;
  let theme: ThemeColors = readThemeColors();
  let data: ScatterData | undefined;
  let extent: Extent2D = { x: [-1, 1], y: [-1, 1] };
  let colors: Uint32Array = new Uint32Array(0);
  let order: Uint32Array = new Uint32Array(0);
  let emphasisedFrom = 0;
  let tree: Quadtree<number> | undefined;
  let cssWidth = 0;
  let cssHeight = 0;
  let dpr = 1;
  let image: ImageData | undefined;
  let pixels: Uint32Array = new Uint32Array(0);
  let zoomState: ZoomTransform = zoomIdentity;
  let frame = 0;
  let hovered: number | undefined;
  let mode: 'pan' | 'lasso' = 'pan';
  let lasso: number[] | undefined;

  const view = (): ViewTransform => composeZoom(fitTransform(extent, cssWidth, cssHeight, 12), zoomState);

  const zoomBehaviour: ZoomBehavior<HTMLCanvasElement, unknown> = d3zoom<HTMLCanvasElement, unknown>()
    .scaleExtent([0.5, 200])
    // In lasso mode a drag draws the outline; the wheel still zooms.
    .filter((event: Event) => (mode === 'pan' || event.type === 'wheel') && !(event as MouseEvent).button)
    .on('zoom', (event: { transform: ZoomTransform }) => {
      zoomState = event.transform;
      schedule();
      options.onZoom?.({ k: zoomState.k, x: zoomState.x, y: zoomState.y });
    });
  const overlaySelection = select(overlay);
  overlaySelection.call(zoomBehaviour);
  if (options.initialZoom) {
    const z = options.initialZoom;
    overlaySelection.call(zoomBehaviour.transform, zoomIdentity.translate(z.x, z.y).scale(z.k));
  }

  function recolour(): void {
    if (!data) return;
    const n = data.x.length;
    const color = data.color;
    if (!color) {
      const selected = packRgba(rgbaOf(theme.accent));
      const quiet = packRgba(rgbaOf(theme.unselected));
      colors = new Uint32Array(n).fill(quiet);
      if (data.emphasis) for (let i = 0; i < n; i++) if (data.emphasis[i]) colors[i] = selected;
    } else if (color.kind === 'category') {
      const palette = categoryColors(color, theme).map((css) => packRgba(rgbaOf(css)));
      colors = colorsForCategories(color.values, palette.length ? palette : [packRgba(rgbaOf(theme.accent))]);
    } else {
      colors = colorsForValues(color.values, color.domain ?? finiteExtent(color.values), valueTable(256));
    }
    renderLegend();
  }

  /** The value scale; on the dark high-contrast theme it starts where its lowest colour stays visible on black. */
  function valueTable(steps: number): Uint32Array {
    return sequentialTable(steps, theme.kind === 'high-contrast' ? sequentialStartFor(rgbaOf(theme.background)) : 0);
  }

  function renderLegend(): void {
    legend.replaceChildren();
    const color = data?.color;
    if (!color) return;
    if (color.kind === 'category') {
      const swatches = categoryColors(color, theme);
      const counts = new Array<number>(color.labels.length).fill(0);
      for (let i = 0; i < color.values.length; i++) counts[color.values[i]!] = (counts[color.values[i]!] ?? 0) + 1;
      color.labels.forEach((label, c) => {
        const item = el('span', 'odl-legend-item');
        const swatch = el('span', 'odl-swatch');
        swatch.style.background = swatches[c]!;
        item.append(swatch, document.createTextNode(`${label} (${counts[c]!.toLocaleString()})`));
        legend.append(item);
      });
    } else {
      const [lo, hi] = color.domain ?? finiteExtent(color.values);
      const bar = el('canvas');
      bar.width = 120;
      bar.height = 1;
      const barCtx = bar.getContext('2d')!;
      const table = valueTable(120);
      const row = barCtx.createImageData(120, 1);
      new Uint32Array(row.data.buffer).set(table);
      barCtx.putImageData(row, 0, 0);
      legend.append(
        el('span', undefined, `${color.label}: ${formatNumber(lo)}`),
        bar,
        el('span', undefined, formatNumber(hi)),
      );
    }
  }

  function resize(): void {
    cssWidth = Math.max(1, container.clientWidth);
    cssHeight = options.height ?? Math.max(200, Math.round(cssWidth * 0.6));
    dpr = window.devicePixelRatio || 1;
    root.style.height = `${cssHeight}px`;
    for (const c of [canvas, overlay]) {
      c.width = Math.round(cssWidth * dpr);
      c.height = Math.round(cssHeight * dpr);
      c.style.width = `${cssWidth}px`;
      c.style.height = `${cssHeight}px`;
    }
    image = ctx.createImageData(canvas.width, canvas.height);
    pixels = new Uint32Array(image.data.buffer);
    renderNow();
  }

  function schedule(): void {
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        renderNow();
      });
  }

  function renderNow(): number {
    const started = performance.now();
    if (!image) return 0;
    pixels.fill(0);
    if (data) {
      const t = view();
      const device = { k: t.k * dpr, tx: t.tx * dpr, ty: t.ty * dpr };
      const size = basePointSize * dpr * Math.min(3, Math.sqrt(zoomState.k));
      rasterizePoints(
        pixels,
        image.width,
        image.height,
        data.x,
        data.y,
        colors,
        device,
        size,
        order.subarray(0, emphasisedFrom),
      );
      if (emphasisedFrom < order.length) {
        rasterizePoints(
          pixels,
          image.width,
          image.height,
          data.x,
          data.y,
          colors,
          device,
          size + 2 * dpr,
          order.subarray(emphasisedFrom),
        );
      }
    }
    ctx.putImageData(image, 0, 0);
    drawOverlay();
    return performance.now() - started;
  }

  function drawOverlay(): void {
    octx.setTransform(dpr, 0, 0, dpr, 0, 0);
    octx.clearRect(0, 0, cssWidth, cssHeight);
    if (data && hovered !== undefined) {
      const t = view();
      const px = data.x[hovered]! * t.k + t.tx;
      const py = -data.y[hovered]! * t.k + t.ty;
      octx.strokeStyle = theme.foreground;
      octx.lineWidth = 2;
      octx.beginPath();
      octx.arc(px, py, basePointSize + 4, 0, Math.PI * 2);
      octx.stroke();
    }
    if (lasso && lasso.length >= 4) {
      octx.strokeStyle = theme.focus;
      octx.fillStyle = rgbaToCss([...unpackRgba(packRgba(rgbaOf(theme.focus))).slice(0, 3), 40] as [
        number,
        number,
        number,
        number,
      ]);
      octx.setLineDash([4, 3]);
      octx.lineWidth = 1.5;
      octx.beginPath();
      octx.moveTo(lasso[0]!, lasso[1]!);
      for (let i = 2; i < lasso.length; i += 2) octx.lineTo(lasso[i]!, lasso[i + 1]!);
      octx.closePath();
      octx.fill();
      octx.stroke();
      octx.setLineDash([]);
    }
  }

  function nearest(px: number, py: number): number | undefined {
    if (!data || data.x.length === 0) return undefined;
    // Built on first hover, not in update(): 100k inserts cost ~50 ms that the first render should not pay.
    if (!tree) {
      const { x, y } = data;
      tree = quadtree<number>()
        .x((i) => x[i]!)
        .y((i) => y[i]!)
        .addAll(Array.from({ length: x.length }, (_, i) => i));
    }
    const t = view();
    const [dx, dy] = invert(t, px, py);
    return tree.find(dx, dy, (basePointSize + 6) / t.k);
  }

  function setHover(index: number | undefined, px = 0, py = 0): void {
    if (index !== hovered) {
      hovered = index;
      const id = index === undefined ? undefined : (data?.ids?.[index] ?? index);
      options.onHover?.(index, id);
      drawOverlay();
    }
    if (index === undefined || !options.describe) {
      tooltip.hidden = true;
      return;
    }
    tooltip.textContent = options.describe(index, data?.ids?.[index] ?? index);
    tooltip.hidden = false;
    const left = Math.min(px + 12, cssWidth - tooltip.offsetWidth - 2);
    tooltip.style.left = `${Math.max(0, left)}px`;
    tooltip.style.top = `${py + 12 + tooltip.offsetHeight > cssHeight ? py - tooltip.offsetHeight - 8 : py + 12}px`;
  }

  function finishLasso(): void {
    if (!data || !lasso || lasso.length < 6) {
      lasso = undefined;
      drawOverlay();
      return;
    }
    const t = view();
    const polygon = new Float64Array(lasso.length);
    for (let i = 0; i < lasso.length; i += 2) {
      const [dx, dy] = invert(t, lasso[i]!, lasso[i + 1]!);
      polygon[i] = dx;
      polygon[i + 1] = dy;
    }
    lasso = undefined;
    drawOverlay();
    options.onLasso?.(pointsInPolygon(data.x, data.y, polygon));
  }

  const offset = (event: PointerEvent): [number, number] => {
    const rect = overlay.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  };
  const onPointerDown = (event: PointerEvent): void => {
    if (mode !== 'lasso' || event.button !== 0) return;
    overlay.setPointerCapture(event.pointerId);
    lasso = offset(event);
  };
  const onPointerMove = (event: PointerEvent): void => {
    const [px, py] = offset(event);
    if (lasso) {
      lasso.push(px, py);
      drawOverlay();
      return;
    }
    if (event.buttons) return; // dragging the view
    setHover(nearest(px, py), px, py);
  };
  const onPointerUp = (): void => {
    if (lasso) finishLasso();
  };
  const onPointerLeave = (): void => setHover(undefined);
  overlay.addEventListener('pointerdown', onPointerDown);
  overlay.addEventListener('pointermove', onPointerMove);
  overlay.addEventListener('pointerup', onPointerUp);
  overlay.addEventListener('pointerleave', onPointerLeave);

  const onKey = (event: KeyboardEvent): void => {
    const step = 40;
    const pan = (x: number, y: number): void => {
      overlaySelection.call(zoomBehaviour.translateBy, x / zoomState.k, y / zoomState.k);
    };
    switch (event.key) {
      case '+':
      case '=':
        plot.zoomBy(1.5);
        break;
      case '-':
      case '_':
        plot.zoomBy(1 / 1.5);
        break;
      case '0':
        plot.resetView();
        break;
      case 'ArrowLeft':
        pan(step, 0);
        break;
      case 'ArrowRight':
        pan(-step, 0);
        break;
      case 'ArrowUp':
        pan(0, step);
        break;
      case 'ArrowDown':
        pan(0, -step);
        break;
      case 'Escape':
        lasso = undefined;
        setHover(undefined);
        return;
      default:
        return;
    }
    event.preventDefault();
  };
  root.addEventListener('keydown', onKey);

  const resizeObserver = new ResizeObserver(() => {
    if (container.clientWidth !== cssWidth) resize();
  });
  resizeObserver.observe(container);
  const stopTheme = onThemeChange(() => {
    theme = readThemeColors();
    recolour();
    schedule();
  });

  const plot: ScatterPlot = {
    element: root,
    canvas,
    update(next) {
      if (next.y.length !== next.x.length)
        throw new Error(`scatter plot: x has ${next.x.length} values but y has ${next.y.length}`);
      const sameGeometry = data && data.x === next.x && data.y === next.y;
      data = next;
      if (!sameGeometry) {
        extent = extent2D(next.x, next.y);
        tree = undefined;
        hovered = undefined;
      }
      order = emphasisOrder(next.x.length, next.emphasis);
      emphasisedFrom = next.emphasis ? next.emphasis.reduce((n, e) => n + (e ? 0 : 1), 0) : order.length;
      recolour();
      if (!image) resize();
      else renderNow();
    },
    setMode(next) {
      mode = next;
      root.classList.toggle('odl-lasso', next === 'lasso');
    },
    resetView() {
      overlaySelection.call(zoomBehaviour.transform, zoomIdentity);
    },
    zoomBy(factor) {
      overlaySelection.call(zoomBehaviour.scaleBy, factor, [cssWidth / 2, cssHeight / 2]);
    },
    renderNow,
    dispose() {
      cancelAnimationFrame(frame);
      resizeObserver.disconnect();
      stopTheme();
      overlaySelection.on('.zoom', null);
      root.remove();
      legend.remove();
    },
  };
  return plot;
}

/** Muted categories get the quiet colour; the others take the palette in order, so "selected" is the first chart colour. */
function categoryColors(color: Extract<ScatterColoring, { kind: 'category' }>, theme: ThemeColors): string[] {
  let next = 0;
  return color.labels.map((_, c) =>
    color.muted?.includes(c) ? theme.unselected : theme.categorical[next++ % theme.categorical.length]!,
  );
}

function formatNumber(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
    ? v.toExponential(2)
    : v.toFixed(3).replace(/\.?0+$/, '');
}
