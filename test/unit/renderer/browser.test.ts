/**
 * The renderer bundle in a real browser (headless Chromium): the canvas really shows the points in
 * the theme's colours, hover shows a tooltip and the sample's details, a malformed payload shows
 * its error. Screenshots in light and dark themes go to test-output/renderer/ for a person to look
 * at. Skipped, saying so, where Chromium is not installed.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { THEMES } from '../../browser/themes';
import {
  buildRendererBundle,
  CANVAS_COLOURS_IN_PAGE,
  chromiumAvailable,
  CHROMIUM,
  launch,
  openRendererPage,
  type ThemeName,
} from './browserPage';
import { makePayload } from './payloads';

const OUT = path.resolve(__dirname, '../../../test-output/renderer');
const skip = chromiumAvailable()
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set OPTIDEL_CHROMIUM)`;

let browser: Browser | undefined;
let bundle = '';

before(async () => {
  if (skip) return;
  fs.mkdirSync(OUT, { recursive: true });
  [browser, bundle] = await Promise.all([launch(), buildRendererBundle()]);
});
after(async () => {
  await browser?.close();
});

/** Moves the pointer over the scatter plot until a point's tooltip appears; returns its text. */
async function hoverSomePoint(page: Page): Promise<string | undefined> {
  const overlay = page.locator('.odl-scatter canvas.odl-overlay');
  const box = (await overlay.boundingBox())!;
  for (let gy = 0.2; gy < 0.9; gy += 0.05) {
    for (let gx = 0.1; gx < 0.95; gx += 0.03) {
      await page.mouse.move(box.x + box.width * gx, box.y + box.height * gy);
      const tooltip = page.locator('.odl-tooltip');
      if (await tooltip.isVisible()) return (await tooltip.textContent()) ?? '';
    }
  }
  return undefined;
}

/** '#rrggbb' as the browser reports a computed colour. */
function cssRgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

async function canvasColours(page: Page): Promise<Array<[string, number]>> {
  return page.evaluate(CANVAS_COLOURS_IN_PAGE) as Promise<Array<[string, number]>>;
}

describe('renderer in Chromium', { skip }, () => {
  for (const theme of ['light', 'dark'] as ThemeName[]) {
    it(`draws the subset in the ${theme} theme, with hover`, async () => {
      const { page, render } = await openRendererPage(browser!, bundle, theme);
      await render(JSON.stringify(makePayload(600, { thumbnails: 80 })));
      const colours = await canvasColours(page);
      assert.ok(
        colours.length >= 2,
        `selected and other points in different colours: ${JSON.stringify(colours.slice(0, 4))}`,
      );
      const { vars } = THEMES[theme];
      const selectedColour = cssRgb(vars['charts-blue']);
      const unselectedColour = cssRgb(vars.disabledForeground);
      const names = colours.map(([c]) => c);
      assert.ok(
        names.includes(unselectedColour),
        `unselected points use the theme's quiet colour: ${names.slice(0, 5).join(' ')}`,
      );
      assert.ok(
        names.includes(selectedColour),
        `selected points use a theme chart colour: ${names.slice(0, 5).join(' ')}`,
      );
      const foreground = await page.evaluate(
        `getComputedStyle(document.querySelector('#output').shadowRoot.querySelector('.ods')).color`,
      );
      assert.equal(foreground, cssRgb(vars.foreground));

      const tooltip = await hoverSomePoint(page);
      assert.match(tooltip ?? '', /^#\d+ · difficulty 0\.0\d+\npatient-0\d\.nii\.gz axial slice \d+$/);
      assert.match((await page.locator('.ods-details').textContent()) ?? '', /Sample#\d+Difficulty/);
      await page.locator('#output').screenshot({ path: path.join(OUT, `subset-${theme}.png`) });

      const thumb = page.locator('.ods-strip button').nth(2);
      const sampleId = Number(/Sample (\d+)/.exec((await thumb.getAttribute('title')) ?? '')?.[1]);
      await thumb.hover();
      await page.getByRole('button', { name: 'Open in Gallery' }).click();
      const posted = (await page.evaluate('window.posted')) as unknown[];
      assert.deepEqual(posted.slice(-1), [{ type: 'openGallery', runDir: '/work/runs/run-test', sampleId }]);
      await page.close();
    });
  }

  it("shows a malformed payload's problems in the cell", async () => {
    const { page, render } = await openRendererPage(browser!, bundle, 'dark');
    const payload = makePayload(3) as unknown as {
      summary: Record<string, unknown>;
      samples: Array<Record<string, unknown>>;
    };
    payload.summary.budget = 'ten';
    payload.samples[1]!.embedding = [1, null];
    await render(JSON.stringify(payload));
    const alert = page.getByRole('alert');
    assert.ok(await alert.isVisible());
    assert.match(
      (await alert.textContent()) ?? '',
      /"summary\.budget" must be a positive number.*samples\[1\]\.embedding must be \[x, y\] with finite numbers, got \[1,null\]/s,
    );
    await page.locator('#output').screenshot({ path: path.join(OUT, 'error-dark.png') });
    await page.close();
  });

  it('renders 10,000 samples with every part in place', async () => {
    const { page, render } = await openRendererPage(browser!, bundle, 'light');
    const ms = await render(JSON.stringify(makePayload(10_000, { thumbnails: 300 })));
    console.log(
      `# renderer: 10,000 samples rendered in ${ms.toFixed(0)} ms (Chromium, this machine; timing is reported, not asserted)`,
    );
    const colours = await canvasColours(page);
    const ink = colours.reduce((n, [, count]) => n + count, 0);
    assert.ok(ink > 10_000, `points drawn: ${ink} pixels`);
    assert.equal(await page.locator('.ods-strip img').count(), 120);
    await page.locator('#output').screenshot({ path: path.join(OUT, 'subset-10k-light.png') });
    await page.close();
  });
});
