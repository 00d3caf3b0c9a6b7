/**
 * The HTML of every OptiDEL webview: one script (the view's bundle) allowed by a nonce made fresh
 * for each load, styles and images only from the webview's resource origin, nothing else — no
 * inline script, no eval, no remote content. Pure (no vscode import) so it is unit-tested.
 */
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[+/=]/g, (c) => ({ '+': 'A', '/': 'B', '=': '' })[c]!);
}

export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Webview URI of dist/webview/<view>.js. */
  scriptUri: string;
  nonce: string;
  title: string;
  /** Read by the bundle to know which view it is (one bundle may serve several). */
  view: string;
}

const escapeAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    // data: images are inline bytes (NiiVue's font sheet in the sample view's bundle): no load from anywhere, no script.
    `img-src ${cspSource} blob: data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function buildWebviewHtml(o: WebviewHtmlOptions): string {
  if (!/^[A-Za-z0-9]+$/.test(o.nonce)) throw new Error('nonce must be alphanumeric');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeAttr(o.title)}</title>
</head>
<body data-view="${escapeAttr(o.view)}">
<main id="app" aria-live="polite">Loading…</main>
<script type="module" nonce="${o.nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
