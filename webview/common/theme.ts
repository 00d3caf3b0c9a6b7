/**
 * Theme colours for canvas and SVG drawing, read from the `--vscode-*` CSS variables that VS Code
 * sets on a webview's <html>. Canvas pixels cannot use `var(...)`, so the values are read once per
 * theme and re-read when VS Code switches theme (it changes the body's class). Outside VS Code (the
 * notebook renderer in another host, the browser tests) every colour has a fallback.
 */
import { parseCssColor, type Rgba } from './colors';

export interface ThemeColors {
  background: string;
  foreground: string;
  muted: string;
  border: string;
  accent: string;
  focus: string;
  /** Colours for categories (methods, clusters, sources), the chart palette of the theme. */
  categorical: string[];
  /** Points that are not selected: visible but quiet. */
  unselected: string;
  font: string;
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
}

const FALLBACK_DARK = {
  background: '#1e1e1e',
  foreground: '#cccccc',
  muted: '#9d9d9d',
  border: '#454545',
  accent: '#3794ff',
  focus: '#007fd4',
};
const FALLBACK_LIGHT = {
  background: '#ffffff',
  foreground: '#3b3b3b',
  muted: '#717171',
  border: '#c8c8c8',
  accent: '#005fb8',
  focus: '#0090f1',
};
/** VS Code's chart colours (`charts.*`) in a stable order; the fallbacks are its defaults. */
const CHART_VARIABLES: Array<[string, string]> = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];
/** More categories than chart colours: extra hues that stay apart from the six above. */
const EXTRA_CATEGORICAL = ['#17becf', '#e377c2', '#8c564b', '#7f7f7f', '#bcbd22', '#aec7e8'];

export function themeKind(body: HTMLElement = document.body): ThemeColors['kind'] {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  if (c.contains('vscode-dark')) return 'dark';
  // Outside VS Code: follow the browser's preference.
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export function readThemeColors(root: Element = document.documentElement): ThemeColors {
  const style = getComputedStyle(root);
  const kind = themeKind();
  const fallback = kind === 'light' || kind === 'high-contrast-light' ? FALLBACK_LIGHT : FALLBACK_DARK;
  const read = (name: string, otherwise: string): string => style.getPropertyValue(name).trim() || otherwise;
  const contrastBorder = read('--vscode-contrastBorder', '');
  return {
    background: read('--vscode-editor-background', fallback.background),
    foreground: read('--vscode-editor-foreground', read('--vscode-foreground', fallback.foreground)),
    muted: read('--vscode-descriptionForeground', fallback.muted),
    border: contrastBorder || read('--vscode-panel-border', read('--vscode-widget-border', fallback.border)),
    accent: read('--vscode-charts-blue', read('--vscode-focusBorder', fallback.accent)),
    focus: read('--vscode-focusBorder', fallback.focus),
    categorical: [...CHART_VARIABLES.map(([name, otherwise]) => read(name, otherwise)), ...EXTRA_CATEGORICAL],
    unselected: read('--vscode-disabledForeground', fallback.muted),
    font: read('--vscode-font-family', 'system-ui, sans-serif'),
    kind,
  };
}

/** Same as readThemeColors but as RGBA numbers, for writing canvas pixels directly. */
export function rgbaOf(color: string): Rgba {
  return parseCssColor(color) ?? [128, 128, 128, 255];
}

/** Calls `listener` whenever VS Code changes theme (body class or the inline CSS variables). */
export function onThemeChange(listener: () => void): () => void {
  const observer = new MutationObserver(() => listener());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
