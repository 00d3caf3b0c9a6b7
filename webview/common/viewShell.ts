/**
 * The frame every run view shares: a header (view title, run, live stage status), a toolbar of
 * @vscode-elements controls, a banner for skipped files and errors, and the body. Colours come from
 * `--vscode-*` variables only, so light, dark and high-contrast themes all apply.
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import type { RunViewData } from '../../src/shared/viewMessages';
import type { HostConnection } from './messaging';
import { adoptStyles, el } from './styles';

const CSS = `
[hidden] { display: none !important; }
body { margin: 0; padding: 0 16px 16px; color: var(--vscode-foreground, #ccc); background: var(--vscode-editor-background, #1e1e1e);
  font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px); }
.odl-header { display: flex; align-items: baseline; gap: 12px; padding: 10px 0 6px; flex-wrap: wrap; }
.odl-header h1 { font-size: 1.3em; font-weight: 600; margin: 0; }
.odl-run { color: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-status { margin-left: auto; color: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-status.odl-running { color: var(--vscode-progressBar-background, #0e70c0); }
.odl-toolbar { display: flex; flex-wrap: wrap; align-items: end; gap: 8px 16px; padding: 6px 0 10px; }
.odl-field { display: flex; flex-direction: column; gap: 2px; }
.odl-field > span { font-size: 11px; color: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-banner { padding: 6px 10px; margin: 4px 0 8px; border-left: 3px solid var(--vscode-editorWarning-foreground, #cca700);
  background: var(--vscode-inputValidation-warningBackground, rgba(204, 167, 0, 0.1)); white-space: pre-wrap; }
.odl-banner.odl-error { border-left-color: var(--vscode-editorError-foreground, #f14c4c); background: var(--vscode-inputValidation-errorBackground, rgba(241, 76, 76, 0.1)); }
.odl-empty { padding: 24px 0; color: var(--vscode-descriptionForeground, #9d9d9d); }
.odl-note { color: var(--vscode-descriptionForeground, #9d9d9d); font-size: 12px; }
h2 { font-size: 1.1em; font-weight: 600; margin: 16px 0 4px; }
input[type=range] { accent-color: var(--vscode-focusBorder, #007fd4); }
:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: 1px; }
`;

export interface ViewShell {
  toolbar: HTMLElement;
  body: HTMLElement;
  setRun(name: string): void;
  setStatus(text: string, running: boolean): void;
  setProblems(problems: readonly string[]): void;
  showError(message: string | undefined): void;
}

export function createShell(title: string): ViewShell {
  adoptStyles(CSS);
  const app = document.getElementById('app') ?? document.body.appendChild(el('main'));
  app.removeAttribute('aria-live');
  app.replaceChildren();
  const header = el('header', 'odl-header');
  const run = el('span', 'odl-run');
  const status = el('span', 'odl-status');
  status.setAttribute('role', 'status');
  header.append(el('h1', undefined, title), run, status);
  const toolbar = el('div', 'odl-toolbar');
  toolbar.setAttribute('role', 'toolbar');
  const problems = el('div', 'odl-banner');
  problems.hidden = true;
  const error = el('div', 'odl-banner odl-error');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const body = el('div', 'odl-body');
  app.append(header, toolbar, error, problems, body);
  return {
    toolbar,
    body,
    setRun: (name) => (run.textContent = name),
    setStatus(text, running) {
      status.textContent = text;
      status.classList.toggle('odl-running', running);
    },
    setProblems(list) {
      problems.hidden = list.length === 0;
      problems.textContent = list.length ? `Skipped (shown without them):\n${list.join('\n')}` : '';
    },
    showError(message) {
      error.hidden = !message;
      error.textContent = message ?? '';
    },
  };
}

/** Wires the host messages every view handles the same way: live stage status and errors. */
export function followHost(shell: ViewShell, host: HostConnection<object>): void {
  host.on('progress', (m) => {
    const running = m.status === undefined || m.status === 'running';
    const amount = m.total ? ` ${m.done}/${m.total}` : '';
    shell.setStatus(`${m.stage}: ${m.status ?? 'running'}${amount}${m.message ? ` · ${m.message}` : ''}`, running);
  });
  host.on('error', (m) => shell.showError(m.message));
}

/** What every run view's header shows of new data: the run, its stages, the files that could not be read. */
export function showRunHeader(shell: ViewShell, data: RunViewData): void {
  shell.setRun(data.runName);
  const summary = stageSummary(data.stages);
  shell.setStatus(summary.text, summary.running);
  shell.setProblems(data.problems);
}

/** The run's stage summary for the header: which stage is running, else how many are done. */
export function stageSummary(stages: Record<string, string>): { text: string; running: boolean } {
  const running = Object.entries(stages).find(([, s]) => s === 'running');
  if (running) return { text: `${running[0]} running…`, running: true };
  const all = Object.values(stages);
  return {
    text: all.length ? `${all.filter((s) => s === 'done').length}/${all.length} stages done` : '',
    running: false,
  };
}

export interface SelectControl {
  element: HTMLElement;
  value: string;
  setOptions(options: ReadonlyArray<{ value: string; label: string }>, value?: string): void;
}

/** A labelled vscode-single-select; `onChange` gets the new value. */
export function selectControl(label: string, onChange: (value: string) => void): SelectControl {
  const field = el('label', 'odl-field');
  const select = document.createElement('vscode-single-select') as HTMLElement & { value: string };
  select.setAttribute('aria-label', label);
  field.append(el('span', undefined, label), select);
  let current = '';
  select.addEventListener('change', () => {
    current = select.value;
    onChange(current);
  });
  return {
    element: field,
    get value() {
      return current;
    },
    set value(v: string) {
      current = v;
      select.value = v;
    },
    setOptions(options, value) {
      const keep = value ?? (options.some((o) => o.value === current) ? current : (options[0]?.value ?? ''));
      const signature = options.map((o) => `${o.value}\u0000${o.label}`).join('\u0001');
      if (select.dataset.options !== signature) {
        select.dataset.options = signature;
        select.replaceChildren(
          ...options.map((o) => {
            const option = document.createElement('vscode-option') as HTMLElement & { value: string };
            option.setAttribute('value', o.value);
            option.textContent = o.label;
            return option;
          }),
        );
      }
      current = keep;
      select.value = keep;
    },
  };
}

export function button(
  label: string,
  onClick: () => void,
  options: { secondary?: boolean; title?: string } = {},
): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (options.secondary) b.setAttribute('secondary', '');
  if (options.title) b.title = options.title;
  b.addEventListener('click', onClick);
  return b;
}
