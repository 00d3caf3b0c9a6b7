/**
 * The filter bar: which method's subset, which samples to show, a difficulty range, a text search
 * over ids and sources, the colouring of the scatter plot, and the lasso. Native form controls
 * (keyboard and screen readers for free), styled with the theme's input colours.
 */
import { el } from '../common/styles';
import type { SubsetFilter } from './subsetFilter';

export type ColorBy = 'selection' | 'difficulty';

export interface ControlsState {
  filter: SubsetFilter;
  colorBy: ColorBy;
  lassoMode: boolean;
}

export interface Controls {
  readonly element: HTMLElement;
  readonly state: ControlsState;
  /** Shows how many samples pass the filter. */
  setCount(shown: number, total: number): void;
  /** Sets the lasso restriction (from the scatter plot); undefined clears it. */
  setLasso(ids: ReadonlySet<number> | undefined): void;
}

export function createControls(
  /** Each method by name, with the label to show it by. */
  methods: ReadonlyArray<{ value: string; label: string }>,
  initialMethod: string,
  onChange: (state: ControlsState) => void,
): Controls {
  const state: ControlsState = {
    filter: { method: initialMethod, show: 'all', text: '' },
    colorBy: 'selection',
    lassoMode: false,
  };
  const element = el('div', 'ods-controls');
  const changed = (): void => onChange(state);

  const method = choice(
    'Method',
    methods.map((m) => [m.value, m.label]),
    initialMethod,
    (v) => {
      state.filter.method = v;
      changed();
    },
  );
  method.select.disabled = methods.length < 2;
  const show = choice(
    'Show',
    [
      ['all', 'all samples'],
      ['selected', 'selected'],
      ['unselected', 'not selected'],
    ],
    'all',
    (v) => {
      state.filter.show = v as SubsetFilter['show'];
      changed();
    },
  );
  const colorBy = choice(
    'Colour',
    [
      ['selection', 'by selection'],
      ['difficulty', 'by difficulty'],
    ],
    'selection',
    (v) => {
      state.colorBy = v as ColorBy;
      changed();
    },
  );

  const min = numberInput('Difficulty ≥', (v) => {
    state.filter.minDifficulty = v;
    changed();
  });
  const max = numberInput('≤', (v) => {
    state.filter.maxDifficulty = v;
    changed();
  });

  const searchLabel = el('label', undefined, 'Find');
  const search = el('input');
  search.type = 'search';
  search.placeholder = 'id or file name';
  search.setAttribute('aria-label', 'Find samples by id or file name');
  search.addEventListener('input', () => {
    state.filter.text = search.value;
    changed();
  });
  searchLabel.append(search);

  const lasso = el('button', undefined, 'Lasso');
  lasso.type = 'button';
  lasso.title = 'Draw around points on the scatter plot to show only those';
  lasso.setAttribute('aria-pressed', 'false');
  lasso.addEventListener('click', () => {
    state.lassoMode = !state.lassoMode;
    lasso.setAttribute('aria-pressed', String(state.lassoMode));
    changed();
  });

  const clear = el('button', undefined, 'Clear filters');
  clear.type = 'button';
  clear.addEventListener('click', () => {
    state.filter = { method: state.filter.method, show: 'all', text: '' };
    show.select.value = 'all';
    min.input.value = '';
    max.input.value = '';
    search.value = '';
    changed();
  });

  const count = el('span', 'ods-count');
  count.setAttribute('aria-live', 'polite');
  element.append(method.label, show.label, colorBy.label, min.label, max.label, searchLabel, lasso, clear, count);

  return {
    element,
    state,
    setCount(shown, total) {
      const lassoNote = state.filter.lasso ? ' (lasso)' : '';
      count.textContent = `${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} samples shown${lassoNote}`;
    },
    setLasso(ids) {
      state.filter.lasso = ids;
      changed();
    },
  };
}

function choice(
  labelText: string,
  options: Array<[string, string]>,
  value: string,
  onInput: (value: string) => void,
): { label: HTMLLabelElement; select: HTMLSelectElement } {
  const label = el('label', undefined, labelText);
  const select = el('select');
  for (const [v, text] of options) {
    const option = el('option', undefined, text);
    option.value = v;
    select.append(option);
  }
  select.value = value;
  select.addEventListener('change', () => onInput(select.value));
  label.append(select);
  return { label, select };
}

/** A number box; empty or unparsable means "no bound". */
function numberInput(
  labelText: string,
  onInput: (value: number | undefined) => void,
): { label: HTMLLabelElement; input: HTMLInputElement } {
  const label = el('label', undefined, labelText);
  const input = el('input');
  input.type = 'number';
  input.step = 'any';
  input.addEventListener('input', () => {
    const v = input.value.trim() === '' ? undefined : Number(input.value);
    onInput(v !== undefined && Number.isFinite(v) ? v : undefined);
  });
  label.append(input);
  return { label, input };
}
