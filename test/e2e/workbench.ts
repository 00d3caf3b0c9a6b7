/**
 * What a person does in the workbench, as Playwright calls: run a command from the palette (F1),
 * read notifications, open a file with quick open, reach a webview's document, and look at canvas
 * pixels. Selectors are VS Code's own workbench classes (code-server 4.139 / VS Code 1.139).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

/** F1, type the command's title, Enter on the row that carries exactly that label. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await page.keyboard.type(title, { delay: 5 });
  const row = page
    .locator('.quick-input-list .monaco-list-row', {
      has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
    })
    .first();
  try {
    await row.waitFor({ state: 'visible', timeout: 15_000 });
  } catch (err) {
    await page.keyboard.press('Escape');
    throw new Error(`the command palette has no command "${title}"`, { cause: err });
  }
  await page.keyboard.press('Enter');
  await page
    .locator('.quick-input-widget')
    .waitFor({ state: 'hidden', timeout: 15_000 })
    .catch(() => undefined);
}

/** In an open quick pick (a command asking a question), type the item's label and take it. */
export async function pickQuickItem(page: Page, label: string): Promise<void> {
  await page.locator('.quick-input-widget input.input').waitFor({ state: 'visible', timeout: 30_000 });
  await page.keyboard.type(label, { delay: 5 });
  await page
    .locator('.quick-input-list .monaco-list-row', {
      has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
    })
    .first()
    .waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** Ctrl+P, the file name, Enter. */
export async function quickOpen(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input.input').waitFor({ state: 'visible' });
  await page.keyboard.type(fileName, { delay: 5 });
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: fileName })
    .first()
    .waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** A notification toast whose text matches. */
export function notification(page: Page, text: string | RegExp): Locator {
  return page.locator('.notifications-toasts .notification-toast', { hasText: text });
}

/** The document inside the only visible webview (VS Code nests it: an outer iframe, then #active-frame). */
export function visibleWebview(page: Page): FrameLocator {
  return page.locator('iframe.webview.ready:visible').first().contentFrame().locator('#active-frame').contentFrame();
}

/**
 * Waits until the element's text is exactly `expected`, then asserts it (so a wrong value fails with
 * both texts). A view draws its heading before the host's data arrives, so the text fills in later.
 */
export async function expectText(locator: Locator, expected: string, timeout = 30_000): Promise<void> {
  const exact = new RegExp(`^\\s*${escapeRegExp(expected)}\\s*$`);
  await locator
    .filter({ hasText: exact })
    .first()
    .waitFor({ state: 'visible', timeout })
    .catch(() => undefined);
  assert.equal((await locator.innerText()).trim(), expected);
}

/**
 * Pixels of a canvas that differ from its most common colour (the background): more than zero means
 * something was drawn. Reads the canvas with getImageData inside the webview.
 */
export async function canvasInk(canvas: Locator): Promise<number> {
  return canvas.evaluate((element) => {
    const c = element as HTMLCanvasElement;
    const context = c.getContext('2d');
    if (!context || c.width === 0 || c.height === 0) return 0;
    const pixels = new Uint32Array(context.getImageData(0, 0, c.width, c.height).data.buffer);
    const counts = new Map<number, number>();
    for (const p of pixels) counts.set(p, (counts.get(p) ?? 0) + 1);
    const background = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![1];
    return pixels.length - background;
  });
}

/** Numbered screenshots of each step, to look at afterwards. */
export class Screenshots {
  private taken = 0;
  constructor(
    private readonly page: Page,
    readonly dir: string,
  ) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Runs one step; when it fails, a screenshot named after it shows what the screen looked like. */
  async step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      await this.take(`FAILED-${name}`).catch(() => undefined);
      throw err;
    }
  }

  async take(name: string): Promise<string> {
    const file = path.join(this.dir, `${String(++this.taken).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
