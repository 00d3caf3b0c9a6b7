/**
 * Every run view rendered in headless Chromium (Debian's /usr/bin/chromium through playwright-core)
 * from the synthetic run fixture, through the same HTML, CSP and host code as in VS Code (see
 * harness.ts). Asserts on the DOM and on canvas pixels; saves a screenshot per view and theme under
 * test-output/views/ for a person to look at. Skips, saying why, where Chromium is missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeRunFixture, type RunFixture } from '../fixtures/makeRunFixture';
import { CHROMIUM, CHROMIUM_ARGS, startHarness, type Harness } from './harness';
import type { ThemeName } from './themes';
import type { ViewKind } from '../../src/shared/viewMessages';
import type { CacheIndex, KeyPatchFile, MetadataFile, SelectionFile } from '../../src/shared/artifacts';
import { writeKeyPatchesFile } from '../../src/shared/node/keyPatchesFile';
import { ARTIFACTS, SAMPLE_SCORE_COLUMNS } from '../../src/shared/artifacts';
import type { SampleActions } from '../../src/host/panels/viewMessageHandler';
import { demoDataCommand } from '../../src/engine/commands/demoData';
import { ingestCommand } from '../../src/engine/commands/ingest';
import { similarCommand } from '../../src/engine/commands/similar';
import { CosineIndex } from '../../src/engine/curation/nearest';
import { centreRows } from '../../src/engine/selection/vectors';
import { serveSample } from '../../src/engine/curation/sampleView';
import { readCacheIndexFile } from '../../src/shared/node/cacheIndexFile';
import { recordingContext } from '../unit/data/context';

const root = path.resolve(__dirname, '../..');
const shots = path.join(root, 'test-output/views');
const missing = !fs.existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install -y chromium)`
  : !fs.existsSync(path.join(root, 'dist/webview/embeddingMap.js'))
    ? 'dist/webview is not built (npm run build)'
    : undefined;
if (missing) console.log(`# browser tests skipped: ${missing}`);

/** A full-page screenshot into test-output/views. */
const shoot = (page: Page, name: string): Promise<Buffer> =>
  page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

/** A vscode-single-select's value set as a person would, by its index among the toolbar's selects. */
const choose = (page: Page, index: number, value: string) =>
  page.evaluate(
    ([i, v]) => {
      const select = document.querySelectorAll('vscode-single-select')[i as number] as HTMLElement & {
        value: string;
      };
      select.value = v as string;
      select.dispatchEvent(new Event('change'));
    },
    [index, value],
  );

describe('run views in Chromium', { skip: missing }, () => {
  let browser: Browser;
  let harness: Harness;
  let fixture: RunFixture;
  const problems: string[] = [];
  /** Samples the views asked the host to open in the sample view. */
  const opened: number[] = [];

  before(async () => {
    const { chromium } = await import('playwright-core');
    fixture = makeRunFixture(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-browser-')), 'run-demo'), {
      samples: 600,
    });
    harness = await startHarness(fixture.runDir, {
      serve: () => Promise.reject(new Error('the synthetic fixture has no source files')),
      reveal: () => Promise.resolve(),
      open: async (sampleId) => void opened.push(sampleId),
      // The engine's own command, in this process, on the fixture's embeddings.
      similar: (sampleId) => similarCommand.run({ run: fixture.runDir, sample: sampleId, k: 12 }, recordingContext()),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    fs.mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  async function open(view: ViewKind, theme: ThemeName, ready: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${view}/${theme}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${view}/${theme}: ${e.message}`));
    await harness.open(page, view, theme);
    await page.waitForSelector(ready, { timeout: 20_000 });
    return page;
  }
  const effective = (method: string): number => {
    const s = JSON.parse(
      fs.readFileSync(path.join(fixture.runDir, `selection/${method}.json`), 'utf8'),
    ) as SelectionFile;
    const ids = new Set(s.selected);
    for (const id of s.manual?.exclude ?? []) ids.delete(id);
    for (const id of s.manual?.include ?? []) ids.add(id);
    return ids.size;
  };

  /** The engine's 12 nearest samples to `id` by brute force: cosine similarity of the centred embeddings (600 < the exact threshold). */
  const nearestByBruteForce = (id: number) => {
    const dim = JSON.parse(fs.readFileSync(path.join(fixture.runDir, ARTIFACTS.scores), 'utf8')).embeddingDim;
    const raw = new Float32Array(
      new Uint8Array(fs.readFileSync(path.join(fixture.runDir, ARTIFACTS.embeddings))).buffer,
    );
    const expected = new CosineIndex(centreRows(raw, dim), dim).nearest(id, 12);
    return { expected, labels: expected.map((n) => `#${n.id} ${n.similarity.toFixed(3)}`) };
  };

  test('embedding map: points on canvas in theme colours, hover, lasso thumbnails, zoom, live update', async () => {
    const page = await open('embeddingMap', 'dark', '.odl-legend-item');
    const legend = await page.locator('.odl-legend').innerText();
    assert.match(legend, new RegExp(`selected by optidel \\(${effective('optidel')}\\)`));
    assert.match(legend, new RegExp(`not selected \\(${fixture.samples - effective('optidel')}\\)`));
    // Count canvas pixels by colour: the selected points in charts-blue, the rest in disabledForeground.
    const counts = await page.evaluate(() => {
      const canvas = document.querySelector('canvas.odl-points') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let blue = 0,
        grey = 0,
        other = 0,
        firstBlue = -1;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        const rgb = `${data[i]},${data[i + 1]},${data[i + 2]}`;
        if (rgb === '55,148,255') {
          blue++;
          if (firstBlue < 0) firstBlue = i / 4;
        } else if (rgb === '107,107,107') grey++;
        else other++;
      }
      return { blue, grey, other, firstBlue, width: canvas.width, dpr: devicePixelRatio };
    });
    assert.ok(counts.blue > effective('optidel') * 4, `selected points drawn (${counts.blue} px)`);
    assert.ok(counts.grey > counts.blue, 'unselected points drawn');
    assert.equal(counts.other, 0, 'only theme colours');
    await shoot(page, 'embeddingMap-dark');

    // Hover the first selected pixel: the tooltip names the sample and its method.
    const box = (await page.locator('canvas.odl-overlay').boundingBox())!;
    const px = (counts.firstBlue % counts.width) / counts.dpr + 1;
    const py = Math.floor(counts.firstBlue / counts.width) / counts.dpr + 1;
    await page.mouse.move(box.x + px, box.y + py);
    await page.waitForSelector('.odl-tooltip:not([hidden])');
    assert.match(
      await page.locator('.odl-tooltip').innerText(),
      /^#\d+\n.*\.nii\.gz, slice \d+\ndifficulty .*\nselected by .*optidel/s,
    );
    // A right-click on the hovered point opens it in the sample view.
    const hoveredId = Number(/^#(\d+)/.exec(await page.locator('.odl-tooltip').innerText())![1]);
    const opensBefore = opened.length;
    await page.mouse.click(box.x + px, box.y + py, { button: 'right' });
    await until(() => opened.length > opensBefore);
    assert.equal(opened.at(-1), hoveredId);
    // F over the point: its nearest samples (the engine's, as brute force finds them) fill the strip.
    await page.keyboard.press('f');
    await page.waitForSelector('.odl-lasso-strip .odl-captioned');
    const similar = await page
      .locator('.odl-lasso-strip figcaption')
      .evaluateAll((captions) => captions.map((c) => c.textContent ?? ''));
    assert.deepEqual(similar, nearestByBruteForce(hoveredId).labels);
    assert.match(await page.locator('.odl-note[aria-live]').innerText(), new RegExp(`most similar to #${hoveredId}`));
    await shoot(page, 'embeddingMap-similar-dark');

    // Lasso around everything: thumbnails of the hardest samples appear.
    await page.keyboard.press('l');
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    for (const [x, y] of [
      [box.width - 2, 2],
      [box.width - 2, box.height - 2],
      [2, box.height - 2],
      [2, 3],
    ])
      await page.mouse.move(box.x + x!, box.y + y!, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('.odl-lasso-strip .odl-thumb');
    assert.equal(await page.locator('.odl-lasso-strip .odl-thumb').count(), 48);
    const opens = opened.length;
    await page.locator('.odl-lasso-strip .odl-thumb').first().click();
    await until(() => opened.length > opens);
    assert.equal(opened.length, opens + 1, 'a lasso thumbnail opens its sample');
    assert.match(
      await page.locator('.odl-note').first().innerText(),
      new RegExp(`^${fixture.samples} samples in the lasso, \\d+ selected by optidel`),
    );
    const thumbStyle = await page
      .locator('.odl-lasso-strip .odl-thumb')
      .first()
      .evaluate((e) => getComputedStyle(e).backgroundImage);
    assert.match(thumbStyle, /\/run\/thumbs\/atlas-\d{5}\.png/);
    await page.keyboard.press('l');

    // Zoom in with the keyboard: the picture changes.
    const before = await page.evaluate(() =>
      (document.querySelector('canvas.odl-points') as HTMLCanvasElement).toDataURL(),
    );
    await page.locator('.odl-scatter').focus();
    await page.keyboard.press('+');
    await page.waitForTimeout(100);
    assert.notEqual(
      await page.evaluate(() => (document.querySelector('canvas.odl-points') as HTMLCanvasElement).toDataURL()),
      before,
    );

    // Live update: a stage rewrites the selection; the host sends new data and a progress event.
    const file = path.join(fixture.runDir, 'selection/random.json');
    const original = fs.readFileSync(file, 'utf8');
    const random = JSON.parse(original) as SelectionFile;
    fs.writeFileSync(file, JSON.stringify({ ...random, method: 'optidel', selected: [1, 2, 3], manual: undefined }));
    fs.renameSync(
      path.join(fixture.runDir, 'selection/optidel.json'),
      path.join(fixture.runDir, 'selection/optidel.json.bak'),
    );
    const json = await harness.dataMessageJson('embeddingMap');
    fs.writeFileSync(file, original);
    fs.renameSync(
      path.join(fixture.runDir, 'selection/optidel.json.bak'),
      path.join(fixture.runDir, 'selection/optidel.json'),
    );
    await page.evaluate((j) => {
      const w = window as unknown as { __deliver(m: unknown): void; __decode(k: string, v: unknown): unknown };
      w.__deliver(JSON.parse(j, w.__decode));
      w.__deliver({ type: 'progress', stage: 'select', status: 'running' });
    }, json);
    await page.waitForFunction(() =>
      /selected by optidel \(3\)/.test(document.querySelector('.odl-legend')!.textContent ?? ''),
    );
    assert.match(await page.locator('.odl-status').innerText(), /select: running/);
    await page.close();
  });

  test('embedding map: the UMAP layout beside PCA', async () => {
    const page = await open('embeddingMap', 'light', '.odl-legend-item');
    const canvas = () =>
      page.evaluate(() => (document.querySelector('canvas.odl-points') as HTMLCanvasElement).toDataURL());
    const pca = await canvas();
    const labels = await page.evaluate(() =>
      [...document.querySelectorAll('vscode-single-select')[0]!.querySelectorAll('vscode-option')].map(
        (o) => o.textContent,
      ),
    );
    assert.deepEqual(labels, ['PCA', 'UMAP']);
    await page.evaluate(() => {
      const select = document.querySelectorAll('vscode-single-select')[0] as HTMLElement & { value: string };
      select.value = 'umap';
      select.dispatchEvent(new Event('change'));
    });
    await page.waitForFunction(
      (before) => (document.querySelector('canvas.odl-points') as HTMLCanvasElement).toDataURL() !== before,
      pca,
    );
    assert.match(await page.locator('.odl-legend').innerText(), /selected by optidel/, 'the colouring stays');
    await shoot(page, 'embeddingMap-umap-light');
    await page.close();
  });

  for (const theme of ['light', 'high-contrast'] as const) {
    test(`embedding map in the ${theme} theme uses its colours`, async () => {
      const page = await open('embeddingMap', theme, '.odl-legend-item');
      const expected = theme === 'light' ? '26,133,255' : '55,148,255';
      const found = await page.evaluate((rgb) => {
        const canvas = document.querySelector('canvas.odl-points') as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < data.length; i += 4) if (`${data[i]},${data[i + 1]},${data[i + 2]}` === rgb) return true;
        return false;
      }, expected);
      assert.ok(found, `selected points in ${theme} charts-blue`);
      assert.equal(
        await page.evaluate(() => getComputedStyle(document.body).backgroundColor),
        theme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)',
      );
      await shoot(page, `embeddingMap-${theme}`);
      await page.close();
    });
  }

  for (const theme of ['dark', 'light'] as const) {
    test(`difficulty histogram (${theme}): bins, the selected subset, the top-N cut-off`, async () => {
      const page = await open('histogram', theme, '.odl-all rect');
      const heights = await page.evaluate(() => ({
        all: [...document.querySelectorAll('.odl-all rect')].length,
        sel: [...document.querySelectorAll('.odl-sel rect')].length,
        titles: [...document.querySelectorAll('.odl-all rect title')].map((t) => t.textContent ?? ''),
        cutoffs: [...document.querySelectorAll('.odl-cutoff-label')].map((t) => t.textContent),
      }));
      assert.equal(heights.all, 80, 'two histograms of 40 bins');
      assert.equal(heights.sel, 80);
      const sampleCounts = heights.titles.slice(0, 40).map((t) => Number(/: (\d+) all samples/.exec(t)![1]));
      assert.equal(
        sampleCounts.reduce((a, b) => a + b),
        fixture.samples,
      );
      const selectedCounts = heights.titles.slice(0, 40).map((t) => Number(/, (\d+) selected$/.exec(t)![1]));
      assert.equal(
        selectedCounts.reduce((a, b) => a + b),
        effective('optidel'),
      );
      assert.deepEqual(heights.cutoffs[0], `top ${effective('optidel')}`);
      assert.match(
        await page.locator('.odl-note').first().innerText(),
        /selected samples: mean difficulty .* are among the \d+ hardest/,
      );
      // Keyboard: arrows read the bins aloud (aria-live status).
      await page.locator('.odl-hist > svg').first().focus();
      await page.keyboard.press('End');
      assert.match(await page.locator('.odl-hist-status').first().innerText(), /: \d+ all samples, \d+ selected/);
      await shoot(page, `histogram-${theme}`);
      await page.close();
    });
  }

  test('gallery: virtualised grid, key-patch boxes, generated samples linked to sources, curation saved', async () => {
    const page = await open('gallery', 'dark', '.odl-tile');
    const tiles = await page.locator('.odl-tile').count();
    assert.ok(tiles > 10 && tiles < fixture.samples / 2, `only visible tiles are in the DOM (${tiles})`);
    assert.ok((await page.locator('.odl-tile .odl-box').count()) > 0, 'key-patch boxes drawn');
    await shoot(page, 'gallery-dark');
    // Scroll far down: other tiles replace the first ones.
    await page.locator('.odl-grid').evaluate((g) => (g.scrollTop = 4000));
    await page.waitForTimeout(100);
    assert.equal(await page.locator('#odl-tile-437').count(), 0);
    await page.locator('.odl-grid').evaluate((g) => (g.scrollTop = 0));

    // Keyboard curation: move right, exclude (X), save.
    await page.locator('.odl-grid').focus();
    await page.keyboard.press('ArrowRight');
    const id = Number((await page.locator('.odl-tile.odl-cursor').getAttribute('id'))!.replace('odl-tile-', ''));
    await page.keyboard.press('x');
    assert.equal(await page.locator('.odl-tile.odl-cursor .odl-badge').innerText(), '− by hand');
    await page.locator('vscode-button', { hasText: 'Save curation' }).click();
    await page.waitForFunction(
      () => !/not saved/.test(document.querySelector('.odl-toolbar .odl-note')!.textContent ?? ''),
    );
    const saved = JSON.parse(
      fs.readFileSync(path.join(fixture.runDir, 'selection/optidel.json'), 'utf8'),
    ) as SelectionFile;
    assert.ok(saved.manual!.exclude.includes(id), `sample ${id} excluded in selection/optidel.json`);

    // Generated samples: a mosaic links to its four sources; following a link selects that source.
    await choose(page, 1, 'generated');
    await page.waitForFunction((n) => document.querySelectorAll('.odl-tile').length === n, fixture.synthIds.length);
    await page.locator('.odl-tile').first().click();
    const links = page.locator('.odl-details .odl-link');
    assert.equal(await links.count(), 4);
    const source = (await links.first().innerText()).slice(1);
    await links.first().click();
    await page.waitForSelector(`#odl-tile-${source}.odl-cursor`);
    assert.match(await page.locator('.odl-details').innerText(), /Used in/);
    await page.close();
  });

  test('gallery: duplicate groups side by side, and the subset grown pick by pick', async () => {
    const page = await open('gallery', 'light', '.odl-tile');
    await choose(page, 1, 'duplicates');
    await choose(page, 2, 'group');
    await page.waitForFunction(() => document.querySelectorAll('.odl-tile').length === 5);
    await page.locator('#odl-tile-1').click();
    assert.match(await page.locator('.odl-details').innerText(), /Identical to\s*#6/);
    await shoot(page, 'gallery-duplicates-light');
    await choose(page, 1, 'selected');
    await choose(page, 2, 'selection');
    const order = JSON.parse(fs.readFileSync(path.join(fixture.runDir, 'selection/optidel.json'), 'utf8')).selected;
    await page.locator('input[aria-label="First picks shown"]').fill('3');
    await page.waitForFunction(() => /First 3 of/.test(document.querySelector('.odl-toolbar')!.textContent ?? ''));
    const shown = await page.locator('.odl-tile').evaluateAll((tiles) => tiles.map((t) => Number(t.id.slice(9))));
    const saved = JSON.parse(fs.readFileSync(path.join(fixture.runDir, 'selection/optidel.json'), 'utf8'));
    const expected = [
      ...order.slice(0, 3).filter((id: number) => !saved.manual?.exclude?.includes(id)),
      ...(saved.manual?.include ?? []),
    ];
    assert.deepEqual(
      shown.sort((a, b) => a - b),
      expected.sort((a: number, b: number) => a - b),
    );
    await page.close();
  });

  test("gallery: Find similar lists the engine's nearest samples, each a link to it", async () => {
    const page = await open('gallery', 'light', '.odl-tile');
    const id = 42;
    await choose(page, 2, 'id');
    await page.locator(`#odl-tile-${id}`).click();
    await page.locator('vscode-button', { hasText: 'Find similar' }).click();
    await page.waitForSelector('.odl-similar .odl-link');
    const shown = await page
      .locator('.odl-similar .odl-link')
      .evaluateAll((links) => links.map((l) => l.textContent ?? ''));
    const { expected, labels } = nearestByBruteForce(id);
    assert.deepEqual(shown, labels);
    await shoot(page, 'gallery-similar-light');
    await page.locator('.odl-similar .odl-link').first().click();
    await page.waitForSelector(`#odl-tile-${expected[0]!.id}.odl-cursor`);
    await page.close();
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    test(`gallery (${theme}): the duplicates threshold slider regroups live, down to the file's groups`, async () => {
      const page = await open('gallery', theme, '.odl-tile');
      await choose(page, 1, 'duplicates');
      await choose(page, 2, 'group');
      const slider = page.locator('input[aria-label="Near-duplicate similarity threshold"]');
      const tiles = () => page.locator('.odl-tile').evaluateAll((ts) => ts.map((t) => Number(t.id.slice(9))));
      await page.waitForFunction(() => document.querySelectorAll('.odl-tile').length === 5);
      assert.equal(await slider.getAttribute('min'), '0.993', "the slider starts at the file's loosest group");
      // 0.995: sample 10 (0.993 to its group's first) leaves group 1; the identical pair stays.
      await slider.fill('0.995');
      await page.waitForFunction(() => document.querySelectorAll('.odl-tile').length === 4);
      assert.deepEqual(
        (await tiles()).sort((a, b) => a - b),
        [0, 1, 5, 6],
      );
      assert.match(await page.locator('.odl-toolbar').innerText(), /Similarity at least 0\.995: 2 groups, 4 samples/);
      await page.locator('#odl-tile-0').click();
      assert.match(await page.locator('.odl-details').innerText(), /Near-duplicates\s*#5\s*$/m);
      await shoot(page, `gallery-duplicates-threshold-${theme}`);
      // 0.998: group 1's first is left alone, so it is no group; no round trip to the engine.
      await slider.fill('0.998');
      await page.waitForFunction(() => document.querySelectorAll('.odl-tile').length === 2);
      assert.deepEqual(
        (await tiles()).sort((a, b) => a - b),
        [1, 6],
      );
      await page.close();
    });
  }

  test('gallery in the light theme, opened at a sample (a notebook\'s "open in gallery")', async () => {
    const page = await open('gallery', 'light', '.odl-tile');
    await shoot(page, 'gallery-light');
    const far = fixture.samples - 3;
    await page.evaluate(
      (sampleId) => (window as unknown as { __deliver(m: unknown): void }).__deliver({ type: 'focusSample', sampleId }),
      far,
    );
    await page.waitForSelector(`#odl-tile-${far}.odl-cursor`);
    assert.match(await page.locator('.odl-details').innerText(), new RegExp(`#${far}\\b`));
    // The details open the sample view at this sample.
    const opensBefore = opened.length;
    await page.locator('.odl-details vscode-button', { hasText: 'Open at full resolution' }).click();
    await until(() => opened.length > opensBefore);
    assert.deepEqual(opened.at(-1), far);
    // A notebook's "Find similar in Gallery": the sample, and the engine's nearest samples listed.
    await page.evaluate(
      (sampleId) =>
        (window as unknown as { __deliver(m: unknown): void }).__deliver({
          type: 'focusSample',
          sampleId,
          findSimilar: true,
        }),
      3,
    );
    await page.waitForSelector('#odl-tile-3.odl-cursor');
    await page.waitForSelector('.odl-similar .odl-link');
    assert.match(await page.locator('.odl-similar').innerText(), /Most similar to #3 \(cosine similarity\)/);
    await page.close();
  });

  /** The fixture's per-sample scores and Manufacturer, read from its files as the host would. */
  const fixtureFields = () => {
    const rows = new Float32Array(
      new Uint8Array(fs.readFileSync(path.join(fixture.runDir, ARTIFACTS.sampleScoreValues))).buffer,
    );
    const uniqueness = Array.from({ length: fixture.samples }, (_, i) => rows[i * SAMPLE_SCORE_COLUMNS.length]!);
    const index = JSON.parse(fs.readFileSync(path.join(fixture.runDir, ARTIFACTS.cacheIndex), 'utf8')) as CacheIndex;
    const metadata = JSON.parse(fs.readFileSync(path.join(fixture.runDir, ARTIFACTS.metadata), 'utf8')) as MetadataFile;
    const maker = index.samples.map((s) => metadata.sources[s.source]?.Manufacturer ?? '(none)');
    return { uniqueness, maker };
  };

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    test(`gallery (${theme}): sorted by uniqueness, filtered by a DICOM tag, every score in the details`, async () => {
      const page = await open('gallery', theme, '.odl-tile');
      // Toolbar selects: method, show, sort, where, is.
      await choose(page, 2, 'field:uniqueness:desc');
      await choose(page, 3, 'meta:Manufacturer');
      const labels = await page.evaluate(() =>
        [...document.querySelectorAll('vscode-single-select')[4]!.querySelectorAll('vscode-option')].map(
          (o) => o.textContent,
        ),
      );
      await choose(page, 4, String(labels.indexOf('Globex')));
      const { uniqueness, maker } = fixtureFields();
      const globex = uniqueness.map((u, id) => ({ u, id })).filter(({ id }) => maker[id] === 'Globex');
      const expected = globex.sort((a, b) => b.u - a.u || a.id - b.id).map(({ id }) => id);
      await page.waitForFunction(
        (first) => document.querySelector('.odl-tile')?.id === `odl-tile-${first}`,
        expected[0],
      );
      const shown = await page.locator('.odl-tile').evaluateAll((tiles) =>
        tiles.map((t) => ({
          id: Number(t.id.slice(9)),
          top: parseFloat((t as HTMLElement).style.top),
          left: parseFloat((t as HTMLElement).style.left),
        })),
      );
      const inOrder = shown.sort((a, b) => a.top - b.top || a.left - b.left).map((t) => t.id);
      assert.deepEqual(inOrder, expected.slice(0, inOrder.length), 'the most unique Globex samples, in order');
      await page.locator(`#odl-tile-${expected[0]}`).click();
      const details = await page.locator('.odl-details').innerText();
      for (const term of [
        'Uniqueness',
        'Representativeness',
        'Cluster (k-means',
        'Difficulty (hardest patch)',
        'Manufacturer',
        'Selection order',
      ])
        assert.ok(details.includes(term), `${term} in the details: ${details}`);
      assert.match(details, /Manufacturer\s*Globex/);
      await shoot(page, `gallery-fields-${theme}`);
      await page.close();
    });

    test(`embedding map (${theme}): coloured by uniqueness and by Manufacturer`, async () => {
      const page = await open('embeddingMap', theme, '.odl-legend-item');
      // Toolbar selects: layout, colour by, method, compare with.
      await choose(page, 1, 'field:uniqueness');
      await page.waitForFunction(() => /Uniqueness/.test(document.querySelector('.odl-legend')!.textContent ?? ''));
      await shoot(page, `embeddingMap-uniqueness-${theme}`);
      await choose(page, 1, 'field:meta:Manufacturer');
      await page.waitForFunction(() => /Globex/.test(document.querySelector('.odl-legend')!.textContent ?? ''));
      const legend = await page.locator('.odl-legend').innerText();
      const { maker } = fixtureFields();
      for (const value of new Set(maker)) assert.ok(legend.includes(value), `${value} in ${legend}`);
      await shoot(page, `embeddingMap-manufacturer-${theme}`);
      await page.close();
    });
  }

  for (const theme of ['dark', 'light'] as const) {
    test(`segmentation results (${theme}): overlays, per-class IoU, bench table, path guard`, async () => {
      const page = await open('segmentation', theme, '.odl-plot svg');
      await page.waitForFunction(() => /seed 0/.test(document.querySelector('.odl-pane h3')?.textContent ?? ''));
      await page.waitForTimeout(200);
      const overlay = await page.evaluate(() => {
        const canvas = document.querySelector('.odl-pane canvas') as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let tinted = 0;
        for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - data[i + 2]!) > 60) tinted++;
        return tinted / (data.length / 4);
      });
      assert.ok(overlay > 0.1 && overlay < 0.9, `prediction overlay covers part of the image (${overlay.toFixed(2)})`);
      const index = JSON.parse(
        fs.readFileSync(path.join(fixture.runDir, 'bench/predictions/demo-seg/index.json'), 'utf8'),
      );
      const optidel = index.runs.find((r: { method: string }) => r.method === 'optidel');
      const cells = await page
        .locator('table.odl-table')
        .first()
        .locator('tbody tr')
        .nth(1)
        .locator('td')
        .allInnerTexts();
      assert.deepEqual(cells, [
        'organ',
        optidel.sampleIoU[0][1].toFixed(3),
        expect3(index.runs.find((r: { method: string }) => r.method === 'random').sampleIoU[0][1]),
      ]);
      const benchRows = await page.locator('table.odl-table').nth(1).locator('tbody tr td:first-child').allInnerTexts();
      assert.deepEqual(benchRows.sort(), ['full', 'kcenter', 'optidel', 'random']);
      assert.equal(await page.locator('.odl-plot circle').count(), 12, '4 methods x 3 seeds');
      // Opacity 0 removes the prediction tint.
      await page.locator('input[type=range]').fill('0');
      await page.waitForTimeout(200);
      const tintedAfter = await page.evaluate(() => {
        const canvas = document.querySelector('.odl-pane canvas') as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let tinted = 0;
        for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - data[i + 2]!) > 60) tinted++;
        return tinted / (data.length / 4);
      });
      assert.ok(tintedAfter < overlay / 3, 'only the ground-truth outline is left');
      await page.locator('input[type=range]').fill('50');
      await page.waitForTimeout(200);
      await shoot(page, `segmentation-${theme}`);
      if (theme === 'dark') {
        // The host refuses paths out of the run folder, whatever the view asks.
        const reply = await page.evaluate(
          () =>
            new Promise<string>((resolve) => {
              window.addEventListener(
                'message',
                (e) => e.data.type === 'file' && e.data.requestId === 999 && resolve(e.data.error),
              );
              (window as unknown as { acquireVsCodeApi(): { postMessage(m: unknown): void } })
                .acquireVsCodeApi()
                .postMessage({ type: 'readFile', requestId: 999, path: '../../etc/passwd' });
            }),
        );
        assert.match(reply, /"\.\." is not allowed/);
      }
      await page.close();
    });
  }

  for (const theme of ['dark', 'high-contrast'] as const) {
    test(`training curves (${theme}): a line per training, the values at a step, log scale, a bad line named`, async () => {
      const page = await open('curves', theme, '.odl-lines path.odl-line');
      assert.equal(await page.locator('svg[role=img] path.odl-line').count(), 2, 'pretrain and train');
      assert.deepEqual(await page.locator('.odl-legend > span').allInnerTexts(), ['pretrain', 'train']);
      assert.match(
        await page.locator('.odl-banner:not(.odl-error)').innerText(),
        /metrics\/train\.jsonl: 1 line\(s\) are not metrics/,
      );
      await page.locator('svg[role=img]').focus();
      await page.keyboard.press('End');
      const readout = await page.locator('.odl-readout').innerText();
      assert.match(readout, /^step 200: pretrain 0\.2\d+/, readout);
      assert.ok(!/· train /.test(readout), 'train has no step 200');
      const linear = await page.locator('svg[role=img] path.odl-line').first().getAttribute('d');
      await page.locator('vscode-checkbox').click();
      await page.waitForFunction(
        (before) => document.querySelector('svg[role=img] path.odl-line')?.getAttribute('d') !== before,
        linear,
      );
      await shoot(page, `curves-${theme}`);
      await page.close();
    });
  }

  test('no console errors and no CSP violations in any view', () => {
    assert.deepEqual(problems, []);
  });
});

/**
 * The sample view on a real ingested run (the demo data, its labelled CT in the pool), the sample
 * served by the engine's own code as the panel's engine would serve it: NiiVue draws through
 * SwiftShader's WebGL2 in headless Chromium; without WebGL2 the view says so.
 */
describe('sample view in Chromium', { skip: missing }, () => {
  let browser: Browser;
  let harness: Harness;
  let runDir: string;
  let sampleId: number;
  let labelledImage: string;
  const revealed: number[] = [];
  const problems: string[] = [];

  before(async () => {
    const { chromium } = await import('playwright-core');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-sample-view-'));
    const ctx = recordingContext();
    const { configFile } = await demoDataCommand.run({ out: path.join(root, 'data'), size: 'tiny' }, ctx);
    // The labelled CT joins the pool, so its samples have a mask.
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { pool: string[]; imageSize: number };
    labelledImage = path.join(root, 'data', 'downstream', 'abdomen-ct', 'images', 'subject-00.nii.gz');
    config.pool.push(labelledImage);
    config.imageSize = 64;
    fs.writeFileSync(configFile, JSON.stringify(config));
    runDir = path.join(root, 'run');
    await ingestCommand.run({ config: configFile, out: runDir }, ctx);
    const index = await readCacheIndexFile(runDir);
    // Axial slice 9 of the demo CT crosses the liver and a kidney (its label map has 186 labelled voxels there).
    sampleId = index.samples.find((s) => s.source === labelledImage && s.slice === 9)!.id;
    const patches: KeyPatchFile = {
      proposer: 'test',
      patches: [{ id: 0, sampleId, box: [16, 16, 20, 20], origin: 'auto', difficulty: 0.4 }],
    };
    await writeKeyPatchesFile(runDir, ARTIFACTS.keyPatches, patches);
    const served = new Set<number>();
    const samples: SampleActions = {
      serve: async (id) => {
        const result = await serveSample(runDir, id);
        served.add(id);
        return result;
      },
      reveal: async (id) => {
        if (!served.has(id)) throw new Error('not served');
        revealed.push(id);
      },
      open: () => Promise.resolve(),
      similar: () => Promise.reject(new Error('the sample view does not search')),
    };
    harness = await startHarness(runDir, samples);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    fs.mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  async function openSample(theme: ThemeName, on: Browser = browser): Promise<Page> {
    const page = await on.newPage({ viewport: { width: 1100, height: 820 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`sample/${theme}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`sample/${theme}: ${e.message}`));
    await harness.open(page, 'sample', theme);
    await page.evaluate(
      (id) => (window as unknown as { __deliver(m: unknown): void }).__deliver({ type: 'focusSample', sampleId: id }),
      sampleId,
    );
    await page.waitForFunction(() => /sample #\d+$/.test(document.querySelector('.odl-status')?.textContent ?? ''), {
      timeout: 30_000,
    });
    await page.waitForTimeout(300); // NiiVue draws on the next animation frame
    return page;
  }

  /** Counts of the canvas's pixels by kind: grey levels, the mask's warm colours (orange, red, yellow), the key patches' green. */
  async function canvasPixels(page: Page): Promise<{ greys: number; mid: number; warm: number; green: number }> {
    const png = await page.locator('.odl-canvas-box canvas').screenshot();
    const sharp = (await import('sharp')).default;
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const greys = new Set<number>();
    let warm = 0;
    let green = 0;
    let mid = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (Math.abs(r - g) < 6 && Math.abs(g - b) < 6) {
        greys.add(r);
        if (r > 30 && r < 225) mid++;
      } else if (r > b + 30 && r >= g) warm++;
      else if (g > r + 60 && g > b + 60) green++;
    }
    return { greys: greys.size, mid, warm, green };
  }

  for (const theme of ['dark', 'light', 'high-contrast'] as ThemeName[]) {
    test(`sample view (${theme}): the volume at full resolution, mask and key patches, slices, window`, async () => {
      const page = await openSample(theme);
      await shoot(page, `sample-${theme}`);
      assert.equal(await page.locator('.odl-no-gl').count(), 0, 'WebGL2 is there (SwiftShader)');
      const details = await page.locator('.odl-info').innerText();
      assert.match(details, new RegExp(`#${sampleId}\\b`));
      assert.match(details, /abdomen-ct/);
      assert.match(details, /R × A × S/);
      const pixels = await canvasPixels(page);
      assert.ok(pixels.greys > 30, `the CT drawn in many grey levels (${pixels.greys})`);
      assert.ok(pixels.warm > 50, `the mask overlaid (${pixels.warm} warm pixels)`);
      assert.ok(pixels.green > 20, `the key patch outlined (${pixels.green} green pixels)`);
      if (theme !== 'dark') {
        await page.close();
        return;
      }
      // The window narrows; overlays hide; the slice moves.
      const level = page.locator('vscode-textfield[aria-label="Level"]');
      const width = page.locator('vscode-textfield[aria-label="Width"]');
      const setField = (field: typeof level, value: string) =>
        field.evaluate((f: HTMLElement & { value: string }, v) => {
          f.value = v;
          f.dispatchEvent(new Event('change'));
        }, value);
      await setField(width, '1');
      await page.waitForTimeout(200);
      const narrow = await canvasPixels(page);
      assert.ok(
        narrow.mid < pixels.mid / 10,
        `a window 1 wide leaves nearly only black and white (${narrow.mid} mid-grey pixels, ${pixels.mid} before)`,
      );
      await setField(level, 'x');
      assert.match(await page.locator('.odl-banner.odl-error').innerText(), /level must be a number/);
      await page.locator('vscode-button', { hasText: 'Reset window' }).click();
      await page.locator('vscode-checkbox[label="Mask"]').click();
      await page.locator('vscode-checkbox[label="Key patches"]').click();
      await page.waitForTimeout(200);
      const bare = await canvasPixels(page);
      assert.equal(bare.warm + bare.green, 0, 'no overlay left');
      const readout = () => page.locator('.odl-slice-row .odl-note').innerText();
      assert.match(await readout(), /the sample’s slice/);
      await page.locator('.odl-canvas-box canvas').focus();
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp');
      assert.doesNotMatch(await readout(), /the sample’s slice/);
      await page.locator('.odl-slice-row input').evaluate((input: HTMLInputElement) => {
        input.value = '0';
        input.dispatchEvent(new Event('input'));
      });
      assert.match(await readout(), /axial slice 1 of/);
      await page.locator('vscode-button', { hasText: 'Reveal source' }).click();
      await until(() => revealed.length > 0);
      assert.deepEqual(revealed, [sampleId]);
      // A sample the pool does not have: the engine's message, shown.
      await page.locator('vscode-textfield[aria-label="Sample id"]').evaluate((f: HTMLElement & { value: string }) => {
        f.value = '99999';
        f.dispatchEvent(new Event('change'));
      });
      await page.waitForFunction(() =>
        /cannot be shown/.test(document.querySelector('.odl-banner.odl-error')?.textContent ?? ''),
      );
      assert.match(await page.locator('.odl-banner.odl-error').innerText(), /99999 is not in the pool/);
      await page.close();
    });
  }

  test('sample view without WebGL2: a clear message, the details still there', async () => {
    const { chromium } = await import('playwright-core');
    const noGl = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, '--disable-webgl', '--disable-3d-apis'],
    });
    try {
      const page = await openSample('dark', noGl);
      assert.match(await page.locator('.odl-no-gl').innerText(), /needs|WebGL2/);
      assert.match(await page.locator('.odl-info').innerText(), new RegExp(`#${sampleId}\\b`));
      await shoot(page, 'sample-no-webgl');
      await page.close();
    } finally {
      await noGl.close();
    }
  });

  test('no console errors and no CSP violations in the sample view', () => {
    assert.deepEqual(problems, []);
  });
});

/** Waits (up to 10 s) until `condition` holds: for what the fake host records after the page posted. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 25) {
    if (waited > 10_000) throw new Error('timed out waiting for the host to receive the message');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function expect3(v: number | null): string {
  return v === null ? '—' : v.toFixed(3);
}
