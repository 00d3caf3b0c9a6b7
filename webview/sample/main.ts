/**
 * The sample view: one pool sample at its source's full resolution, drawn by NiiVue (WebGL2) from
 * the NIfTI slab the engine serves (optidel sample): the slices around the sample's own to scroll
 * through (wheel, slider, arrow keys), window and level from the header or the ingest percentiles
 * (typed, or dragged with the right mouse button), the key patches and, for labelled data, the
 * mask as overlays that can be hidden, and a button that reveals the source file. Where the
 * webview has no WebGL2 the view says so and still lists what it knows of the sample.
 */
import { DRAG_MODE, NVImage, Niivue, SLICE_TYPE } from '@niivue/niivue';
import type { SampleView } from '../../src/shared/viewMessages';
import { connectToHost } from '../common/messaging';
import { adoptStyles, el } from '../common/styles';
import { readThemeColors } from '../common/theme';
import { parseCssColor } from '../common/colors';
import { button, createShell, followHost, showRunHeader } from '../common/viewShell';

interface SampleState {
  runDir: string;
  sampleId: number;
  showMask: boolean;
  showPatches: boolean;
}

const AXIS_NAMES = ['sagittal', 'coronal', 'axial'] as const;
const SLICE_TYPES = [SLICE_TYPE.SAGITTAL, SLICE_TYPE.CORONAL, SLICE_TYPE.AXIAL];

adoptStyles(`
.odl-sample { display: grid; grid-template-columns: minmax(320px, 1fr) 300px; gap: 16px; }
.odl-canvas-box { position: relative; height: 560px;
  border: 1px solid var(--vscode-panel-border, #454545); background: var(--vscode-editor-background, #1e1e1e); }
.odl-canvas-box canvas { width: 100%; height: 100%; display: block; outline: none; }
.odl-canvas-box canvas:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); }
.odl-no-gl { padding: 24px; }
.odl-slice-row { display: flex; align-items: center; gap: 8px; padding-top: 6px; }
.odl-slice-row input { flex: 1; }
.odl-info dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; margin: 0 0 8px; }
.odl-info dt { color: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-info dd { margin: 0; overflow-wrap: anywhere; }
.odl-info ol { margin: 0; padding-left: 20px; }
.odl-field vscode-textfield { width: 90px; }
`);

const host = connectToHost<SampleState>();
const shell = createShell('Sample');
followHost(shell, host);

function textField(
  label: string,
  onChange: (value: string) => void,
): { element: HTMLElement; input: HTMLInputElement } {
  const field = el('label', 'odl-field');
  const input = document.createElement('vscode-textfield') as unknown as HTMLInputElement;
  input.setAttribute('aria-label', label);
  input.addEventListener('change', () => onChange(input.value));
  field.append(el('span', undefined, label), input as unknown as HTMLElement);
  return { element: field, input };
}

function checkbox(
  label: string,
  checked: boolean,
  onChange: (on: boolean) => void,
): HTMLElement & { checked: boolean } {
  const box = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  box.setAttribute('label', label);
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

const idField = textField('Sample id', (value) => {
  const id = Number(value.trim());
  if (Number.isInteger(id) && id >= 0) load(id);
  else shell.showError(`"${value}" is not a sample id (a whole number, 0 or more)`);
});
const levelField = textField('Level', () => applyWindowFields());
const widthField = textField('Width', () => applyWindowFields());
const resetButton = button('Reset window', () => current && setWindow(current.window.level, current.window.width), {
  secondary: true,
});
const maskBox = checkbox('Mask', host.state.showMask ?? true, (on) => {
  host.saveState({ showMask: on });
  showOverlays();
});
const patchBox = checkbox('Key patches', host.state.showPatches ?? true, (on) => {
  host.saveState({ showPatches: on });
  showOverlays();
});
const revealButton = button(
  'Reveal source',
  () => current && host.post({ type: 'revealSource', sampleId: current.id }),
  {
    secondary: true,
  },
);
const overlays = el('div', 'odl-field');
overlays.append(el('span', undefined, 'Overlays'), maskBox, patchBox);
shell.toolbar.append(idField.element, levelField.element, widthField.element, resetButton, overlays, revealButton);

const empty = el('div', 'odl-empty', 'Choose a sample: the gallery, the embedding map or "OptiDEL: Show Sample".');
const layoutRoot = el('div', 'odl-sample');
const viewer = el('div');
const canvasBox = el('div', 'odl-canvas-box');
const sliceRow = el('div', 'odl-slice-row');
const slider = document.createElement('input');
slider.type = 'range';
slider.min = '0';
slider.setAttribute('aria-label', 'Slice');
const sliceReadout = el('span', 'odl-note');
sliceReadout.setAttribute('aria-live', 'polite');
sliceRow.append(slider, sliceReadout);
viewer.append(canvasBox, sliceRow);
const info = el('aside', 'odl-info');
info.setAttribute('aria-label', 'Sample details');
layoutRoot.append(viewer, info);
layoutRoot.hidden = true;
shell.body.append(empty, layoutRoot);

let current: SampleView | undefined;
/** The slice shown, as an index into the slab along the sample's axis. */
let slice = 0;
/** NiiVue once it is attached; null where WebGL2 is missing. */
let niivue: Niivue | undefined | null;
let viewerStarting: Promise<Niivue | null> | undefined;
/** The sample asked for last (a reload of the run data does not ask again while it is on its way). */
let requested: number | undefined;

/** NiiVue on one canvas, made on first use, or null where WebGL2 is missing (the view then explains instead of drawing). */
function viewerOrNull(): Promise<Niivue | null> {
  viewerStarting ??= startViewer().then((nv) => (niivue = nv));
  return viewerStarting;
}

async function startViewer(): Promise<Niivue | null> {
  const canvas = document.createElement('canvas');
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  if (!canvas.getContext('webgl2')) {
    for (const control of [levelField.element, widthField.element, resetButton, overlays, sliceRow])
      control.hidden = true;
    canvasBox.append(
      el(
        'div',
        'odl-no-gl odl-note',
        'This view draws the volume with WebGL2 (NiiVue), which this window does not offer ' +
          '(a GPU blocklist or a remote session without graphics). The details beside still describe the sample; ' +
          '"Reveal source" opens the file for another viewer.',
      ),
    );
    return null;
  }
  canvasBox.append(canvas);
  const theme = readThemeColors();
  const rgb = (css: string, alpha = 1): number[] => {
    const c = parseCssColor(css);
    return c ? [c[0] / 255, c[1] / 255, c[2] / 255, alpha] : [0, 0, 0, alpha];
  };
  const nv = new Niivue({
    // Black around the image in every theme, as in a radiology viewer: a light frame would change how grey values look.
    backColor: [0, 0, 0, 1],
    crosshairColor: rgb(theme.accent, 0.5),
    crosshairWidth: 1,
    show3Dcrosshair: false,
    isColorbar: false,
    isOrientCube: false,
    dragMode: DRAG_MODE.contrast,
    logLevel: 'error',
    loadingText: '',
  });
  await nv.attachToCanvas(canvas);
  // Nearest neighbour: each voxel shows as it is stored, not blurred into its neighbours.
  nv.setInterpolation(true);
  nv.onLocationChange = (location) => {
    const vox = (location as { vox?: number[] }).vox;
    if (current && vox) showSlice(vox[current.axis]!, false);
  };
  // A right-button drag sets the window in NiiVue: the fields follow it.
  nv.onIntensityChange = (volume) => {
    if (volume === nv.volumes[0]) showWindowFields(volume.cal_min!, volume.cal_max!);
  };
  canvas.addEventListener('keydown', (event) => {
    if (!current) return;
    const step =
      event.key === 'ArrowUp' || event.key === 'PageUp'
        ? 1
        : event.key === 'ArrowDown' || event.key === 'PageDown'
          ? -1
          : 0;
    if (!step) return;
    event.preventDefault();
    showSlice(slice + step, true);
  });
  return nv;
}

const MASK_OPACITY = 0.5;

/** One colour per label value (0 transparent): the theme's warm chart colours, so no label looks like the green key patches or the blue crosshair. */
function labelColours(labels: readonly number[]): { R: number[]; G: number[]; B: number[]; A: number[]; I: number[] } {
  const palette = [1, 4, 5, 3].map((i) => parseCssColor(readThemeColors().categorical[i]!) ?? [255, 128, 0, 255]);
  const values = [0, ...labels];
  const colour = (i: number) => (i === 0 ? [0, 0, 0] : palette[(i - 1) % palette.length]!);
  return {
    I: values,
    R: values.map((_, i) => colour(i)[0]!),
    G: values.map((_, i) => colour(i)[1]!),
    B: values.map((_, i) => colour(i)[2]!),
    A: values.map((_, i) => (i === 0 ? 0 : 255)),
  };
}

function load(sampleId: number): void {
  shell.showError(undefined);
  requested = sampleId;
  host.saveState({ sampleId });
  idField.input.value = String(sampleId);
  shell.setStatus(`loading sample #${sampleId}…`, true);
  host.post({ type: 'loadSample', sampleId });
}

async function show(sample: SampleView): Promise<void> {
  current = sample;
  empty.hidden = true;
  layoutRoot.hidden = false;
  showInfo(sample);
  slider.max = String(sample.slab.count - 1);
  slider.disabled = sample.slab.count < 2;
  maskBox.hidden = !sample.mask;
  patchBox.hidden = !sample.patches;
  const nv = await viewerOrNull();
  if (nv) {
    while (nv.volumes.length) nv.removeVolume(nv.volumes[nv.volumes.length - 1]!);
    const low = sample.window.level - sample.window.width / 2;
    const high = sample.window.level + sample.window.width / 2;
    const layer = (bytes: Uint8Array, name: string, colormap: string, min: number, max: number, opacity: number) =>
      NVImage.loadFromUrl({
        url: name,
        name,
        buffer: bytes.slice().buffer,
        colormap,
        opacity,
        cal_min: min,
        cal_max: max,
        trustCalMinMax: true,
      });
    nv.addVolume(await layer(sample.nifti, `sample-${sample.id}.nii`, 'gray', low, high, 1));
    if (sample.mask) {
      const mask = await layer(sample.mask.nifti, 'mask.nii', 'gray', 0, 1, MASK_OPACITY);
      mask.setColormapLabel(labelColours(sample.mask.labels));
      nv.addVolume(mask);
    }
    if (sample.patches) nv.addVolume(await layer(sample.patches, 'key-patches.nii', 'green', 0.5, 1, 1));
    nv.setSliceType(SLICE_TYPES[sample.axis]!);
    showOverlays();
  }
  setWindow(sample.window.level, sample.window.width);
  showSlice(sample.slab.sampleSlice, true);
  shell.setStatus(`sample #${sample.id}`, false);
}

/** Moves to slab slice `index`; `move` also moves NiiVue's crosshair (not when NiiVue itself reported the move). */
function showSlice(index: number, move: boolean): void {
  if (!current) return;
  slice = Math.min(current.slab.count - 1, Math.max(0, Math.round(index)));
  slider.value = String(slice);
  const own = slice === current.slab.sampleSlice ? ' (the sample’s slice)' : '';
  sliceReadout.textContent = `${AXIS_NAMES[current.axis]} slice ${current.slab.first + slice + 1} of ${current.slab.total}${own}`;
  if (move && niivue) {
    const pos = [...niivue.scene.crosshairPos];
    pos[current.axis] = (slice + 0.5) / current.slab.count;
    niivue.scene.crosshairPos = pos as typeof niivue.scene.crosshairPos;
    niivue.drawScene();
  }
}
slider.addEventListener('input', () => showSlice(Number(slider.value), true));

function setWindow(level: number, width: number): void {
  if (niivue?.volumes[0]) {
    niivue.volumes[0].cal_min = level - width / 2;
    niivue.volumes[0].cal_max = level + width / 2;
    niivue.updateGLVolume();
  }
  showWindowFields(level - width / 2, level + width / 2);
}

function showWindowFields(low: number, high: number): void {
  const digits = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
  levelField.input.value = digits((low + high) / 2);
  widthField.input.value = digits(high - low);
}

function applyWindowFields(): void {
  const level = Number(levelField.input.value);
  const width = Number(widthField.input.value);
  if (!Number.isFinite(level) || !(width > 0)) {
    shell.showError('Window: the level must be a number and the width a number above 0');
    return;
  }
  shell.showError(undefined);
  setWindow(level, width);
}

function showOverlays(): void {
  if (!niivue || !current) return;
  let index = 1;
  if (current.mask) niivue.setOpacity(index++, maskBox.checked ? MASK_OPACITY : 0);
  if (current.patches) niivue.setOpacity(index, patchBox.checked ? 1 : 0);
}

function showInfo(sample: SampleView): void {
  const list = el('dl');
  const row = (term: string, value: string | HTMLElement) => {
    const dd = el('dd');
    dd.append(value);
    list.append(el('dt', undefined, term), dd);
  };
  row('Sample', `#${sample.id}`);
  row('Source', sample.source);
  row('Kind', sample.kind === 'image' ? '2D image' : `volume, ${AXIS_NAMES[sample.axis]} slices`);
  if (sample.frame !== undefined) row('Frame', String(sample.frame));
  row('Voxels', `${sample.dims.join(' × ')} (R × A × S)`);
  row('Spacing', `${sample.spacing.map((s) => s.toFixed(2)).join(' × ')} mm`);
  if (sample.slab.count < sample.slab.total)
    row('Slab', `slices ${sample.slab.first + 1}–${sample.slab.first + sample.slab.count} of ${sample.slab.total}`);
  row(
    'Window',
    `L ${sample.window.level.toPrecision(4)} W ${sample.window.width.toPrecision(4)} (${sample.window.label})`,
  );
  if (sample.mask)
    row('Mask', `downstream "${sample.mask.dataset}", labels ${sample.mask.labels.join(', ') || 'none here'}`);
  const patches = el('ol');
  for (const p of sample.keyPatches)
    patches.append(
      el(
        'li',
        undefined,
        `${p.width} × ${p.height} px at (${p.x}, ${p.y})${p.difficulty !== undefined ? `, difficulty ${p.difficulty.toPrecision(3)}` : ''} · ${p.origin}`,
      ),
    );
  row('Key patches', sample.keyPatches.length ? patches : 'none');
  info.replaceChildren(list, ...sample.notes.map((n) => el('p', 'odl-note', n)));
}

host.on('data', ({ data }) => {
  host.saveState({ runDir: data.runDir });
  showRunHeader(shell, data);
  if (!current && requested === undefined && host.state.sampleId !== undefined) load(host.state.sampleId);
});
host.on('focusSample', ({ sampleId }) => load(sampleId));
host.on('sample', (message) => {
  if (message.sampleId !== host.state.sampleId) return; // an answer overtaken by a newer request
  if (message.error || !message.sample) {
    shell.setStatus('', false);
    shell.showError(`Sample #${message.sampleId} cannot be shown: ${message.error ?? 'no data'}`);
    return;
  }
  void show(message.sample).catch((err: Error) => shell.showError(`Sample #${message.sampleId}: ${err.message}`));
});
host.post({ type: 'ready' });
