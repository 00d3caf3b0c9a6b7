/**
 * Runs the real renderer bundle in headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core), on a page that looks like a notebook output webview: VS Code's theme
 * variables on the root and its theme class on the body. Pages are served from memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { THEMES, type ThemeName } from '../../browser/themes';

export const CHROMIUM = process.env.OPTIDEL_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '../../..');
const ORIGIN = 'http://renderer.test';

export type { ThemeName };

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

/** The renderer bundle as VS Code loads it (an ES module), built now from the sources. */
export async function buildRendererBundle(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, 'webview/renderer/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

function pageHtml(theme: ThemeName): string {
  const variables = Object.entries(THEMES[theme].vars)
    .map(([name, value]) => `--vscode-${name}: ${value};`)
    .join(' ');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
:root { ${variables} --vscode-font-family: 'DejaVu Sans', system-ui, sans-serif; --vscode-editor-font-family: 'DejaVu Sans Mono', monospace; }
body { margin: 0; padding: 12px 16px; width: 900px; background: var(--vscode-editor-background); }
</style></head><body class="${THEMES[theme].bodyClass}"><div id="output"></div></body></html>`;
}

/**
 * Runs in the page: activates the renderer with a fake context that records posted messages, and
 * renders window.payloadText. A string, not a function: tsx would wrap a function's inner
 * functions in a helper that does not exist in the page.
 */
const RENDER_IN_PAGE = `(async () => {
  const { activate } = await import('/renderer.js');
  const posted = (window.posted = []);
  const api = activate({ postMessage: (m) => posted.push(m), onDidReceiveMessage: () => ({ dispose() {} }), getState() {}, setState() {}, workspace: { isTrusted: true } });
  const text = window.payloadText;
  const item = { id: 'out-1', mime: 'application/vnd.optidel.subset+json', metadata: {}, text: () => text, json: () => JSON.parse(text) };
  const started = performance.now();
  api.renderOutputItem(item, document.getElementById('output'), new AbortController().signal);
  const elapsed = performance.now() - started;
  // Two frames, so the canvas has been painted before anyone looks; the benchmark reads firstPaintMs.
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  window.firstPaintMs = performance.now() - started;
  return elapsed;
})()`;

/** Distinct opaque colours of the scatter plot's points canvas, most frequent first. */
export const CANVAS_COLOURS_IN_PAGE = `(() => {
  const canvas = document.querySelector('#output').shadowRoot.querySelector('.odl-scatter canvas.odl-points');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = new Map();
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 255) {
      const key = 'rgb(' + data[i] + ', ' + data[i + 1] + ', ' + data[i + 2] + ')';
      counts.set(key, (counts.get(key) || 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
})()`;

export interface RendererPage {
  page: Page;
  /** Renders `payloadText` as one output; resolves with the render time in ms. */
  render(payloadText: string): Promise<number>;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export async function openRendererPage(browser: Browser, bundle: string, theme: ThemeName): Promise<RendererPage> {
  const page = await browser.newPage({ viewport: { width: 932, height: 900 }, deviceScaleFactor: 1 });
  await page.route(`${ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/renderer.js') return route.fulfill({ contentType: 'text/javascript', body: bundle });
    return route.fulfill({ contentType: 'text/html', body: pageHtml(theme) });
  });
  await page.goto(`${ORIGIN}/index.html`);
  return {
    page,
    async render(payloadText) {
      await page.evaluate(`window.payloadText = ${JSON.stringify(payloadText)}`);
      return page.evaluate(RENDER_IN_PAGE);
    },
  };
}
