/**
 * Style sheets for webviews under a strict CSP: constructable style sheets are not inline styles,
 * so `style-src ${cspSource}` (no 'unsafe-inline') still allows them, as it does for the Lit-based
 * @vscode-elements components. `root` may be a shadow root (the notebook renderer uses one).
 */
const adopted = new WeakMap<Document | ShadowRoot, Set<string>>();

export function adoptStyles(cssText: string, root: Document | ShadowRoot = document): void {
  const seen = adopted.get(root) ?? new Set<string>();
  if (seen.has(cssText)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(cssText);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  seen.add(cssText);
  adopted.set(root, seen);
}

/** Creates an element with a class and, optionally, text (never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
