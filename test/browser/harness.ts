/**
 * Serves the built webview bundles (dist/webview) as VS Code would, for headless Chromium: the
 * page is the real HTML from src/host/panels/webviewHtml.ts (same CSP, a nonce per load), the
 * theme's `--vscode-*` variables and body class are set, and `acquireVsCodeApi` is faked by a
 * small script that forwards the view's messages to this server, where the real host code answers
 * them (answerViewMessage, as the panel does). Used by test/browser and the views
 * benchmark.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { buildWebviewHtml, makeNonce } from '../../src/host/panels/webviewHtml';
import { loadRunViewData } from '../../src/host/panels/runData';
import { resolveInRun } from '../../src/host/panels/pathGuard';
import { answerViewMessage, type SampleActions } from '../../src/host/panels/viewMessageHandler';
import { VIEW_TITLES, type ViewKind } from '../../src/shared/viewMessages';
import { THEMES, type ThemeName } from './themes';

/** The project root: the nearest folder with a package.json (loaders disagree on __dirname depth). */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const root = projectRoot();
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Typed arrays do not survive JSON: tagged base64. */
function encode(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { __typed: value.constructor.name, base64: bytes.toString('base64') };
  }
  return value;
}

/** The fake VS Code API; it runs in the page under the CSP, allowed by the nonce. */
const FAKE_API = (theme: { bodyClass: string; vars: Record<string, string> }, view: string): string => `
for (const [k, v] of Object.entries(${JSON.stringify(theme.vars)})) document.documentElement.style.setProperty('--vscode-' + k, v);
document.body.classList.add(${JSON.stringify(theme.bodyClass)});
const decode = (_k, v) => v && v.__typed ? new globalThis[v.__typed](Uint8Array.from(atob(v.base64), (c) => c.charCodeAt(0)).buffer) : v;
const deliver = (message) => window.dispatchEvent(new MessageEvent('message', { data: message }));
window.__posted = [];
let state = JSON.parse(sessionStorage.getItem('optidel-state') || 'null');
window.acquireVsCodeApi = () => ({
  getState: () => state,
  setState: (s) => { state = s; sessionStorage.setItem('optidel-state', JSON.stringify(s)); },
  postMessage: async (message) => {
    window.__posted.push(message);
    // A Playwright binding, not fetch: the page's CSP (rightly) allows no connections.
    const replies = JSON.parse(await window.__optidelHost(${JSON.stringify(view)}, JSON.stringify(message)), decode);
    for (const reply of replies) deliver(reply);
  },
});
window.__deliver = deliver;
window.__decode = decode;
`;

export interface Harness {
  url(view: ViewKind, theme: ThemeName): string;
  /** Opens a view in `page` with the fake host attached. */
  open(page: Page, view: ViewKind, theme: ThemeName): Promise<void>;
  /** A data message for `view` as the host would send it now (for live-update tests). */
  dataMessageJson(view: ViewKind): Promise<string>;
  close(): Promise<void>;
}

/** `samples`: what the panel does for the sample messages (the sample view test serves them with the engine's code). */
export async function startHarness(runDir: string, samples?: SampleActions): Promise<Harness> {
  const server = http.createServer(
    (req, res) =>
      void handle(req, res).catch((err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err.message);
      }),
  );
  const toUrl = (relative: string): string => `/run/${relative}`;

  const replyTo = (view: ViewKind, raw: unknown): Promise<unknown[]> =>
    answerViewMessage(runDir, view, raw, toUrl, samples);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (url.pathname.startsWith('/view/')) {
      const [, , view, theme] = url.pathname.split('/') as [string, string, ViewKind, ThemeName];
      const nonce = makeNonce();
      const origin = `http://${req.headers.host}`;
      const html = buildWebviewHtml({
        cspSource: origin,
        scriptUri: `${origin}/dist/webview/${view}.js`,
        nonce,
        title: VIEW_TITLES[view],
        view,
      }).replace(
        '<script type="module"',
        `<script nonce="${nonce}">${FAKE_API(THEMES[theme], view)}</script>\n<script type="module"`,
      );
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html);
      return;
    }
    let file: string | undefined;
    if (url.pathname.startsWith('/dist/webview/')) file = path.join(root, 'dist/webview', path.basename(url.pathname));
    else if (url.pathname.startsWith('/run/'))
      file = await resolveInRun(runDir, decodeURIComponent(url.pathname.slice('/run/'.length))).catch(() => undefined);
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    const type = file.endsWith('.js')
      ? 'text/javascript'
      : file.endsWith('.png')
        ? 'image/png'
        : file.endsWith('.map')
          ? 'application/json'
          : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    fs.createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (view, theme) => `http://127.0.0.1:${port}/view/${view}/${theme}`,
    async open(page, view, theme) {
      await page.exposeFunction('__optidelHost', async (kind: ViewKind, json: string) =>
        JSON.stringify(await replyTo(kind, JSON.parse(json)), encode),
      );
      await page.goto(`http://127.0.0.1:${port}/view/${view}/${theme}`);
    },
    dataMessageJson: async (view) =>
      JSON.stringify({ type: 'data', data: await loadRunViewData(runDir, view, toUrl) }, encode),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
