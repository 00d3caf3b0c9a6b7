/**
 * The exported notebook's text/html fallback as a viewer without the OptiDEL renderer shows it
 * (GitHub, JupyterLab, nbviewer put output HTML into their page): loaded into headless Chromium,
 * the embedding map, the histogram and every thumbnail must be drawn with a size, from the
 * notebook alone (the page can fetch nothing). A screenshot goes to test-output/ to look at.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { subsetPayloadFromRun } from '../../../src/engine/export/subsetPayloadFromRun';
import { subsetNotebookText } from '../../../src/engine/export/notebook';
import { makeRunFixture } from '../../fixtures/makeRunFixture';
import { CHROMIUM, chromiumAvailable, launch } from './browserPage';

const OUT = path.resolve(__dirname, '../../../test-output/renderer');
const skip = chromiumAvailable()
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set OPTIDEL_CHROMIUM)`;
let browser: Browser | undefined;
let tmp: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-html-'));
  if (!skip) browser = await launch();
});
after(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the HTML fallback draws the map, the histogram and the thumbnails in Chromium, offline', { skip }, async () => {
  const fixture = makeRunFixture(path.join(tmp, 'run'), { samples: 120 });
  const payload = await subsetPayloadFromRun(fixture.runDir, { maxThumbnails: 12 });
  const notebook = JSON.parse(subsetNotebookText(payload));
  const html = (notebook.cells[1].outputs[0].data['text/html'] as string[]).join('');
  const page = await browser!.newPage({ viewport: { width: 760, height: 420 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.setContent(`<!doctype html><html><body>${html}</body></html>`, { waitUntil: 'load' });
  const drawn = await page.evaluate(`(() => {
    const size = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
    const images = [...document.images];
    return {
      svgs: [...document.querySelectorAll('svg')].filter(size).length,
      points: [...document.querySelectorAll('circle')].filter(size).length,
      bars: [...document.querySelectorAll('rect')].filter((r) => r.getBoundingClientRect().height > 0).length,
      images: images.length,
      decoded: images.filter((i) => i.complete && i.naturalWidth > 0 && size(i)).length,
    };
  })()`);
  fs.mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, 'notebook-html-fallback.png') });
  await page.close();
  const thumbnails = payload.samples.filter((s) => s.selected && s.thumbnail).length;
  assert.ok(thumbnails > 0);
  assert.deepEqual(drawn, {
    svgs: 2,
    points: 120,
    bars: (drawn as { bars: number }).bars,
    images: thumbnails,
    decoded: thumbnails,
  });
  assert.ok((drawn as { bars: number }).bars >= 5, 'histogram bars with a height');
  assert.deepEqual(
    requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank'),
    [],
    'nothing fetched',
  );
});
