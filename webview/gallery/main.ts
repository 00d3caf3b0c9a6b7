/**
 * Sample gallery: a virtualised grid of thumbnails (only visible rows are in the DOM) with key-patch
 * boxes, generated samples linked to their sources, and hand curation (include / exclude) saved into
 * the selection file's `manual` field for the next stage. Keyboard: arrows / PageUp / PageDown /
 * Home / End move, I includes, X excludes, R resets, Enter opens the details.
 */
import type { DuplicateGroup, KeyPatch } from '../../src/shared/artifacts';
import type { RunViewData } from '../../src/shared/viewMessages';
import { gridLayout, moveCursor, scrollToItem, visibleWindow } from '../common/gridWindow';
import { connectToHost } from '../common/messaging';
import { adoptStyles, el } from '../common/styles';
import { methodOptions, orderedMethods } from '../common/selection';
import { describeRelaxed, relaxedCount } from '../../src/shared/relaxedPicks';
import { paintThumbnail } from '../common/thumbnails';
import { fieldText, sampleFields, type SampleField } from '../common/sampleFields';
import { button, createShell, followHost, selectControl, showRunHeader } from '../common/viewShell';
import {
  GALLERY_FILTERS,
  GALLERY_FILTER_LABELS,
  GALLERY_SORTS,
  GALLERY_SORT_LABELS,
  curate,
  derivedFrom,
  galleryItems,
  regroupDuplicates,
  regroupFloor,
  isSelected,
  manualOf,
  sameManual,
  type FieldFilter,
  type FieldSort,
  type GalleryFilter,
  type GallerySort,
  type Manual,
} from './model';

interface GalleryState {
  runDir: string;
  method: string;
  filter: GalleryFilter;
  /** A GallerySort, or `field:<key>:desc|asc` for a sample field. */
  sort: string;
  /** The field filter: a field key ('' for none), and a category index or a value range. */
  where: { field: string; category?: string; min?: string; max?: string };
  cursor: number;
  /** The duplicates' similarity threshold on the slider, for the run it was set on. */
  threshold?: { runDir: string; value: number };
  /** Unsaved hand curation survives hiding the panel. */
  draft: { method: string; include: number[]; exclude: number[] };
}

const TILE = 96;
const GAP = 8;
const CAPTION = 18;
/** Room around the tiles for the cursor ring, which overflow would clip. */
const INSET = 4;

adoptStyles(`
.odl-relaxed { color: var(--vscode-editorWarning-foreground, #cca700); }
.odl-gallery { display: grid; grid-template-columns: minmax(0, 1fr) 260px; gap: 16px; }
.odl-grid { position: relative; height: calc(100vh - 170px); min-height: 300px; overflow-y: auto; outline: none; }
.odl-grid:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); }
.odl-spacer { position: relative; margin: ${INSET}px; }
.odl-tile { position: absolute; width: ${TILE}px; font-size: 11px; cursor: pointer; }
.odl-tile .odl-thumb { position: relative; width: ${TILE}px; height: ${TILE}px; background-color: var(--vscode-editorWidget-background, #252526);
  outline: 1px solid var(--vscode-widget-border, transparent); }
.odl-tile.odl-in .odl-thumb { outline: 3px solid var(--vscode-charts-blue, #3794ff); outline-offset: -3px; }
.odl-tile.odl-cursor .odl-thumb { box-shadow: 0 0 0 2px var(--vscode-editor-background, #1e1e1e), 0 0 0 4px var(--vscode-focusBorder, #007fd4); }
.odl-box { position: absolute; border: 1.5px solid var(--vscode-charts-yellow, #cca700); box-sizing: border-box; pointer-events: none; }
.odl-caption { padding-top: 2px; color: var(--vscode-descriptionForeground, #9d9d9d); white-space: nowrap; overflow: hidden; }
.odl-thumb .odl-badge { position: absolute; left: 3px; top: 3px; }
.odl-badge { font-size: 10px; padding: 0 3px; border-radius: 2px; color: var(--vscode-badge-foreground, #fff); background: var(--vscode-badge-background, #616161); }
.odl-badge.odl-plus { background: var(--vscode-charts-green, #388a34); color: var(--vscode-editor-background, #000); }
.odl-badge.odl-minus { background: var(--vscode-charts-red, #e51400); color: var(--vscode-editor-background, #fff); }
.odl-details { border-left: 1px solid var(--vscode-panel-border, #454545); padding-left: 16px; }
.odl-details .odl-thumb { position: relative; width: 192px; height: 192px; background-color: var(--vscode-editorWidget-background, #252526); }
/* A label's column is as wide as its longest word (up to 150px), so "Representativeness" is never cut
   mid-word; only a word longer than that (a user's CSV column name) breaks. */
.odl-details dl { display: grid; grid-template-columns: fit-content(55%) minmax(0, 1fr); gap: 2px 8px; margin: 8px 0; }
.odl-details dt { color: var(--vscode-descriptionForeground, #9d9d9d); overflow-wrap: break-word; max-width: 150px; }
.odl-details dd { margin: 0; overflow-wrap: anywhere; }
.odl-links { display: flex; flex-wrap: wrap; gap: 4px; }
.odl-link { background: none; border: none; padding: 0; color: var(--vscode-textLink-foreground, #3794ff); cursor: pointer; font: inherit; text-decoration: underline; }
.odl-actions { display: flex; gap: 6px; flex-wrap: wrap; margin: 8px 0; }
.odl-similar { display: flex; flex-direction: column; gap: 4px; margin: 8px 0; }
.odl-range { display: inline-flex; gap: 6px; }
.odl-number { width: 80px; font: inherit; color: var(--vscode-input-foreground, #ccc); background: var(--vscode-input-background, #3c3c3c);
  border: 1px solid var(--vscode-input-border, transparent); padding: 2px 4px; }
`);

const host = connectToHost<GalleryState>();
const shell = createShell('Sample gallery');
followHost(shell, host);
let data: RunViewData | undefined;
let items: number[] = [];
let selected = new Set<number>();
let saved: Manual = { include: new Set(), exclude: new Set() };
let manual: Manual = saved;
let cursor = host.state.cursor ?? 0;
let patchesBySample = new Map<number, KeyPatch[]>();
let derived = derivedFrom(undefined);
/** The engine's answer to "Find similar" for one sample (kept while that sample's details are open). */
let similar: { sampleId: number; neighbours?: Array<{ id: number; similarity: number }>; error?: string } | undefined;
/** The duplicate groups as shown: the file's, regrouped at the slider's threshold. */
let duplicates: DuplicateGroup[] = [];

const method = selectControl('Method', (v) => {
  host.saveState({ method: v, draft: undefined });
  loadSelection();
  offerFields();
  refresh();
});
const filter = selectControl('Show', (v) => {
  host.saveState({ filter: v as GalleryFilter });
  refresh();
});
/** With "Selected": only the method's first picks, to see the subset grow in the order it was chosen. */
const picksField = el('label', 'odl-field');
const picks = document.createElement('input');
picks.type = 'range';
picks.min = '1';
picks.setAttribute('aria-label', 'First picks shown');
const picksLabel = el('span');
picksField.append(picksLabel, picks);
picks.addEventListener('input', () => refresh());
/**
 * With "Duplicate groups": a stricter similarity threshold, regrouped here as the slider moves
 * (regroupDuplicates). Its lowest value is the file's; a looser one needs the engine, as the hint says.
 */
const thresholdField = el('label', 'odl-field');
const threshold = document.createElement('input');
threshold.type = 'range';
threshold.max = '1';
threshold.step = '0.001';
threshold.setAttribute('aria-label', 'Near-duplicate similarity threshold');
const thresholdLabel = el('span');
thresholdField.append(thresholdLabel, threshold);
threshold.addEventListener('input', () => {
  if (data) host.saveState({ threshold: { runDir: data.runDir, value: Number(threshold.value) } });
  refresh();
});
const sort = selectControl('Sort by', (v) => {
  host.saveState({ sort: v });
  refresh();
});
/** Filter by one sample field: a score within a range, or a cluster, duplicate group or metadata value. */
const whereField = selectControl('Where', () => {
  saveWhere();
  offerFields();
  refresh();
});
const whereValue = selectControl('is', () => {
  saveWhere();
  refresh();
});
const rangeField = el('span', 'odl-range');
const whereMin = numberInput('at least');
const whereMax = numberInput('at most');
rangeField.append(whereMin.element, whereMax.element);
let fields: SampleField[] = [];

function numberInput(label: string): { element: HTMLElement; input: HTMLInputElement } {
  const element = el('label', 'odl-field');
  const input = document.createElement('input');
  input.type = 'number';
  input.step = 'any';
  input.className = 'odl-number';
  input.setAttribute('aria-label', label);
  input.addEventListener('change', () => {
    saveWhere();
    refresh();
  });
  element.append(el('span', undefined, label), input);
  return { element, input };
}

function saveWhere(): void {
  host.saveState({
    where: {
      field: whereField.value,
      category: whereValue.value,
      min: whereMin.input.value,
      max: whereMax.input.value,
    },
  });
}

/** The field filter as the toolbar sets it, with its controls shown to match the field's kind. */
function currentFieldFilter(): FieldFilter | undefined {
  const field = fields.find((f) => f.key === whereField.value);
  whereValue.element.hidden = field?.kind !== 'category';
  rangeField.hidden = field?.kind !== 'value';
  if (!field) return undefined;
  if (field.kind === 'category') return { field, category: Number(whereValue.value) };
  const bound = (input: HTMLInputElement) => (input.value === '' ? undefined : Number(input.value));
  const [min, max] = [bound(whereMin.input), bound(whereMax.input)];
  // A score with no bound set yet filters nothing (not even the generated samples, which have no score).
  return min === undefined && max === undefined ? undefined : { field, min, max };
}

/** The sort as the toolbar sets it: a fixed one, or `field:<key>:desc|asc`. */
function currentSort(): GallerySort | FieldSort {
  const [, key, direction] = /^field:(.+):(desc|asc)$/.exec(sort.value) ?? [];
  const field = fields.find((f) => f.key === key);
  return field ? { field, descending: direction === 'desc' } : (sort.value as GallerySort);
}

/** Sort and filter choices for the fields this run has. */
function offerFields(): void {
  fields = data ? sampleFields(data, method.value) : [];
  const saved = host.state.where;
  sort.setOptions(
    [
      ...GALLERY_SORTS.map((s) => ({ value: s, label: GALLERY_SORT_LABELS[s] })),
      ...fields
        // Difficulty, selection order and duplicate group have their fixed entries above.
        .filter((f) => !['difficulty', 'selectionOrder', 'duplicateGroup'].includes(f.key))
        .flatMap((f) =>
          f.kind === 'value'
            ? [
                { value: `field:${f.key}:desc`, label: `${f.label}, highest first` },
                { value: `field:${f.key}:asc`, label: `${f.label}, lowest first` },
              ]
            : [{ value: `field:${f.key}:asc`, label: f.label }],
        ),
    ],
    host.state.sort ?? 'difficulty-desc',
  );
  whereField.setOptions(
    [{ value: '', label: 'any sample' }, ...fields.map((f) => ({ value: f.key, label: f.label }))],
    fields.some((f) => f.key === saved?.field) ? saved!.field : '',
  );
  const field = fields.find((f) => f.key === whereField.value);
  if (field?.kind === 'category')
    whereValue.setOptions(
      field.labels.map((label, k) => ({ value: String(k), label })),
      saved?.category && Number(saved.category) < field.labels.length ? saved.category : '0',
    );
  whereMin.input.value = saved?.min ?? '';
  whereMax.input.value = saved?.max ?? '';
}
filter.setOptions(
  GALLERY_FILTERS.map((f) => ({ value: f, label: GALLERY_FILTER_LABELS[f] })),
  host.state.filter ?? 'all',
);
const saveButton = button('Save curation', () => save(), {
  title: 'Write the hand curation into the selection file; the next stage applies it',
});
const curationNote = el('span', 'odl-note');
curationNote.setAttribute('aria-live', 'polite');
/** How the selection met its diversity rules (optidel), so relaxed picks are never silent. */
const selectionNote = el('span', 'odl-note');
shell.toolbar.append(
  method.element,
  filter.element,
  picksField,
  thresholdField,
  sort.element,
  whereField.element,
  whereValue.element,
  rangeField,
  saveButton,
  curationNote,
  selectionNote,
);

const layoutRoot = el('div', 'odl-gallery');
const grid = el('div', 'odl-grid');
grid.tabIndex = 0;
grid.setAttribute('role', 'grid');
grid.setAttribute('aria-label', 'Samples; arrows move, I includes, X excludes, R resets, Enter shows details');
const spacer = el('div', 'odl-spacer');
grid.append(spacer);
const details = el('aside', 'odl-details');
details.setAttribute('aria-label', 'Sample details');
const empty = el('div', 'odl-empty', 'Waiting for the run data…');
layoutRoot.append(grid, details);
shell.body.append(empty, layoutRoot);
const tiles = new Map<number, HTMLElement>();

function layout(): ReturnType<typeof gridLayout> {
  return gridLayout(grid.clientWidth - 2 * INSET, items.length, { width: TILE, height: TILE + CAPTION, gap: GAP });
}

function render(): void {
  const g = layout();
  spacer.style.height = `${g.totalHeight}px`;
  const { first, last } = visibleWindow(g, items.length, grid.scrollTop, grid.clientHeight);
  const visible = new Set<number>();
  for (let index = first; index < last; index++) {
    const id = items[index]!;
    visible.add(id);
    let tile = tiles.get(id);
    if (!tile) {
      tile = makeTile(id);
      tiles.set(id, tile);
      spacer.append(tile);
    }
    tile.style.left = `${(index % g.columns) * (TILE + GAP)}px`;
    tile.style.top = `${Math.floor(index / g.columns) * g.rowHeight}px`;
    updateTile(tile, id, index);
  }
  for (const [id, tile] of tiles)
    if (!visible.has(id)) {
      tile.remove();
      tiles.delete(id);
    }
  const current = items[cursor];
  if (current !== undefined && tiles.has(current)) grid.setAttribute('aria-activedescendant', tiles.get(current)!.id);
  else grid.removeAttribute('aria-activedescendant');
}

function makeTile(id: number): HTMLElement {
  const tile = el('div', 'odl-tile');
  tile.id = `odl-tile-${id}`;
  tile.setAttribute('role', 'gridcell');
  const thumb = el('div', 'odl-thumb');
  if (!paintThumbnail(thumb, data?.thumbs, id, TILE)) thumb.textContent = 'no thumbnail';
  const size = data?.imageSize || TILE;
  for (const patch of patchesBySample.get(id) ?? []) {
    const [x, y, w, h] = patch.box;
    const box = el('div', 'odl-box');
    box.style.left = `${(x / size) * TILE}px`;
    box.style.top = `${(y / size) * TILE}px`;
    box.style.width = `${(w / size) * TILE}px`;
    box.style.height = `${(h / size) * TILE}px`;
    thumb.append(box);
  }
  const caption = el('div', 'odl-caption');
  tile.append(thumb, caption);
  tile.addEventListener('click', () => {
    cursor = items.indexOf(id);
    host.saveState({ cursor });
    render();
    showDetails();
  });
  return tile;
}

function updateTile(tile: HTMLElement, id: number, index: number): void {
  const inSubset = isSelected(id, selected, manual);
  tile.classList.toggle('odl-in', inSubset);
  tile.classList.toggle('odl-cursor', index === cursor);
  tile.setAttribute('aria-selected', String(inSubset));
  const caption = tile.lastElementChild as HTMLElement;
  const synth = data?.synth?.find((s) => s.id === id);
  const sorted = currentSort();
  const label = synth
    ? synth.kind
    : typeof sorted === 'object'
      ? fieldText(sorted.field, id)
      : data?.difficulty && id < data.difficulty.length
        ? data.difficulty[id]!.toPrecision(2)
        : '';
  caption.textContent = `#${id} ${label}`;
  // Hand decisions are marked on the thumbnail; membership itself is the blue frame.
  const thumb = tile.firstElementChild as HTMLElement;
  thumb.querySelector('.odl-badge')?.remove();
  if (manual.include.has(id)) thumb.append(el('span', 'odl-badge odl-plus', '+ by hand'));
  else if (manual.exclude.has(id)) thumb.append(el('span', 'odl-badge odl-minus', '− by hand'));
  tile.setAttribute('aria-label', `Sample ${id}${synth ? `, ${synth.kind}` : ''}${inSubset ? ', in the subset' : ''}`);
}

function jumpTo(id: number): void {
  let index = items.indexOf(id);
  if (index < 0) {
    filter.value = 'all';
    host.saveState({ filter: 'all' });
    refresh();
    index = items.indexOf(id);
  }
  if (index < 0) return;
  cursor = index;
  host.saveState({ cursor });
  grid.scrollTop = scrollToItem(layout(), cursor, grid.scrollTop, grid.clientHeight);
  render();
  showDetails();
  grid.focus();
}

function sampleLinks(ids: number[]): HTMLElement {
  const links = el('span', 'odl-links');
  for (const id of ids) {
    const link = el('button', 'odl-link', `#${id}`);
    link.addEventListener('click', () => jumpTo(id));
    links.append(link);
  }
  return links;
}

function showDetails(): void {
  details.replaceChildren();
  const id = items[cursor];
  if (!data || id === undefined) return;
  const thumb = el('div', 'odl-thumb');
  if (!paintThumbnail(thumb, data.thumbs, id, 192)) thumb.textContent = 'no thumbnail';
  const size = data.imageSize || 192;
  for (const patch of patchesBySample.get(id) ?? []) {
    const box = el('div', 'odl-box');
    const [x, y, w, h] = patch.box;
    Object.assign(box.style, {
      left: `${(x / size) * 192}px`,
      top: `${(y / size) * 192}px`,
      width: `${(w / size) * 192}px`,
      height: `${(h / size) * 192}px`,
    });
    box.title = `key patch ${patch.id} (${patch.origin})${patch.difficulty !== undefined ? `, difficulty ${patch.difficulty.toPrecision(3)}` : ''}`;
    thumb.append(box);
  }
  const list = el('dl');
  const row = (term: string, value: string | HTMLElement): void => {
    list.append(el('dt', undefined, term));
    const dd = el('dd');
    dd.append(value);
    list.append(dd);
  };
  const synth = data.synth?.find((s) => s.id === id);
  row('Sample', `#${id}`);
  if (synth) {
    row('Generated', `${synth.kind}${synth.note ? ` (${synth.note})` : ''}`);
    if (synth.hardened) row('Hardened', synth.hardened);
    row('Made from', sampleLinks(synth.parts.map((p) => p.sampleId)));
  } else {
    const source = data.sourceOf ? data.sources[data.sourceOf[id]!] : undefined;
    if (source) row('Source', source);
    if (data.acquisitionOf) row('Acquisition', data.acquisitions![data.acquisitionOf[id]!]!);
    if (data.sliceOf && data.sliceOf[id]! >= 0) row('Slice', String(data.sliceOf[id]));
    for (const field of fields) row(field.label, fieldText(field, id));
    row('Key patches', String(patchesBySample.get(id)?.length ?? 0));
    const group = duplicates.find((g) => g.members.includes(id));
    if (group)
      row(
        group.kind === 'exact' ? 'Identical to' : 'Near-duplicates',
        sampleLinks(group.members.filter((m) => m !== id)),
      );
    const made = derived.get(id);
    if (made?.length) row('Used in', sampleLinks(made.map((s) => s.id)));
  }
  row(
    'Method',
    method.value ? `${selected.has(id) ? 'selected' : 'not selected'} by ${method.value}` : 'no selection yet',
  );
  const actions = el('div', 'odl-actions');
  actions.append(
    button('Include (I)', () => decide('include'), { secondary: isSelected(id, selected, manual) }),
    button('Exclude (X)', () => decide('exclude'), { secondary: !isSelected(id, selected, manual) }),
    button('Reset (R)', () => decide('reset'), { secondary: true }),
  );
  // Generated samples have no source file of their own: their "Made from" links lead to one.
  const open = synth ? [] : [button('Open at full resolution', () => host.post({ type: 'openSample', sampleId: id }))];
  // Generated samples have no embedding; the engine searches the pool's (exact or its HNSW graph).
  const find = synth
    ? []
    : [
        button('Find similar', () => askSimilar(id), {
          secondary: true,
          title: 'The pool samples nearest in embedding space (optidel similar)',
        }),
      ];
  details.append(thumb, list, ...(method.value && !synth ? [actions] : []), ...open, ...find, ...similarList(id));
}

/** Asks the engine for the samples nearest to `id`; the details show "Searching…" until the answer. */
function askSimilar(id: number): void {
  similar = { sampleId: id };
  showDetails();
  host.post({ type: 'findSimilar', sampleId: id });
}

/** The answer to "Find similar" for the sample shown, as links with their cosine similarity. */
function similarList(id: number): HTMLElement[] {
  if (similar?.sampleId !== id) return [];
  const box = el('div', 'odl-similar');
  box.setAttribute('aria-live', 'polite');
  if (similar.error) box.append(el('span', 'odl-note', `No similar samples: ${similar.error}`));
  else if (!similar.neighbours) box.append(el('span', 'odl-note', 'Searching…'));
  else {
    box.append(el('span', 'odl-note', `Most similar to #${id} (cosine similarity):`));
    const links = el('span', 'odl-links');
    for (const n of similar.neighbours) {
      const link = el('button', 'odl-link', `#${n.id} ${n.similarity.toFixed(3)}`);
      link.addEventListener('click', () => jumpTo(n.id));
      links.append(link);
    }
    box.append(links);
  }
  return [box];
}

function decide(action: 'include' | 'exclude' | 'reset'): void {
  const id = items[cursor];
  // Generated samples are curated through their sources (their "Made from" links), not themselves.
  if (id === undefined || !method.value || !data || id >= data.samples) return;
  manual = curate(manual, id, action, selected);
  host.saveState({ draft: { method: method.value, include: [...manual.include], exclude: [...manual.exclude] } });
  updateCurationNote();
  render();
  showDetails();
}

function updateCurationNote(): void {
  const dirty = !sameManual(manual, saved);
  saveButton.toggleAttribute('disabled', !dirty);
  curationNote.textContent = `${manual.include.size} included and ${manual.exclude.size} excluded by hand${dirty ? ' (not saved)' : ''}`;
}

function save(): void {
  if (!method.value) return;
  host.post({ type: 'saveManual', method: method.value, include: [...manual.include], exclude: [...manual.exclude] });
}

host.on('similar', (m) => {
  if (similar?.sampleId !== m.sampleId) return;
  similar = m;
  showDetails();
});

host.on('saved', (m) => {
  if (m.method !== method.value) return;
  saved = { include: new Set(m.include), exclude: new Set(m.exclude) };
  host.saveState({ draft: undefined });
  updateCurationNote();
  shell.showError(undefined);
});

grid.addEventListener('keydown', (event) => {
  const g = layout();
  const next = moveCursor(
    cursor,
    event.key,
    g.columns,
    items.length,
    Math.max(1, Math.floor(grid.clientHeight / g.rowHeight)),
  );
  if (next !== undefined) {
    cursor = next;
    host.saveState({ cursor });
    grid.scrollTop = scrollToItem(g, cursor, grid.scrollTop, grid.clientHeight);
    render();
    showDetails();
  } else if (event.key === 'i' || event.key === 'I') decide('include');
  else if (event.key === 'x' || event.key === 'X') decide('exclude');
  else if (event.key === 'r' || event.key === 'R') decide('reset');
  else if (event.key === 'Enter') (details.querySelector('vscode-button') as HTMLElement | null)?.focus();
  else return;
  event.preventDefault();
});
grid.addEventListener('scroll', () => render(), { passive: true });
new ResizeObserver(() => render()).observe(grid);

function loadSelection(): void {
  const selection = data?.selections.find((s) => s.method === method.value);
  selected = new Set(selection?.selected ?? []);
  saved = manualOf(selection);
  selectionNote.textContent = selection?.relaxed ? describeRelaxed(selection.relaxed) : '';
  selectionNote.classList.toggle('odl-relaxed', !!selection?.relaxed && relaxedCount(selection.relaxed) > 0);
  const draft = host.state.draft;
  manual =
    draft && draft.method === method.value
      ? { include: new Set(draft.include), exclude: new Set(draft.exclude) }
      : saved;
  updateCurationNote();
}

function refresh(): void {
  if (!data) return;
  const order = data.selections.find((s) => s.method === method.value)?.selected ?? [];
  picksField.hidden = filter.value !== 'selected' || order.length < 2;
  picks.max = String(order.length);
  if (Number(picks.value) > order.length || picks.dataset.method !== method.value) {
    picks.value = String(order.length);
    picks.dataset.method = method.value;
  }
  picksLabel.textContent = `First ${picks.value} of ${order.length} picks`;
  showThreshold(data);
  items = galleryItems({ ...data, duplicates }, filter.value as GalleryFilter, currentSort(), selected, manual, {
    order,
    firstPicks: picksField.hidden ? undefined : Number(picks.value),
    fieldFilter: currentFieldFilter(),
  });
  cursor = Math.max(0, Math.min(cursor, items.length - 1));
  empty.hidden = items.length > 0;
  layoutRoot.hidden = items.length === 0;
  if (!items.length)
    empty.textContent = data.samples ? 'Nothing to show with this filter.' : 'No samples yet: run the ingest stage.';
  for (const tile of tiles.values()) tile.remove();
  tiles.clear();
  render();
  showDetails();
}

function showThreshold(run: RunViewData): void {
  const groups = run.duplicates ?? [];
  // Three decimals on the slider, never above the loosest group (which would hide it at the start).
  const floor = Math.floor(regroupFloor(groups) * 1000) / 1000;
  thresholdField.hidden = filter.value !== 'duplicates' || groups.length === 0;
  threshold.min = String(floor);
  const kept = host.state.threshold;
  threshold.value = String(kept?.runDir === run.runDir ? Math.max(floor, Math.min(1, kept.value)) : floor);
  duplicates = thresholdField.hidden ? groups : regroupDuplicates(groups, Number(threshold.value));
  const samples = duplicates.reduce((sum, g) => sum + g.members.length, 0);
  thresholdLabel.textContent = `Similarity at least ${Number(threshold.value).toFixed(3)}: ${duplicates.length} groups, ${samples} samples`;
  thresholdField.title = `Regrouped here from the groups found at ${floor.toFixed(3)}; for a looser threshold run "optidel duplicates --min-similarity VALUE"`;
}

/** A sample the host asked to show before the data arrived (the view was just opened for it). */
let pendingFocus: { sampleId: number; findSimilar?: boolean } | undefined;
host.on('focusSample', (focus) => {
  if (data) focusOn(focus);
  else pendingFocus = focus;
});

/** Shows the sample (and, asked from a notebook's "Find similar in Gallery", its nearest samples). */
function focusOn({ sampleId, findSimilar }: { sampleId: number; findSimilar?: boolean }): void {
  jumpTo(sampleId);
  if (findSimilar && sampleId < (data?.samples ?? 0)) askSimilar(sampleId);
}

host.on('data', ({ data: next }) => {
  data = next;
  host.saveState({ runDir: next.runDir });
  showRunHeader(shell, next);
  patchesBySample = new Map();
  for (const patch of next.keyPatches ?? [])
    patchesBySample.set(patch.sampleId, [...(patchesBySample.get(patch.sampleId) ?? []), patch]);
  derived = derivedFrom(next.synth);
  const methods = orderedMethods(next.selections);
  method.setOptions(
    methodOptions(next.selections),
    methods.includes(host.state.method ?? '') ? host.state.method : undefined,
  );
  loadSelection();
  offerFields();
  refresh();
  if (pendingFocus !== undefined) {
    focusOn(pendingFocus);
    pendingFocus = undefined;
  }
});
host.post({ type: 'ready' });
