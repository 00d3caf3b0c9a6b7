/**
 * End to end, as a person would: the packaged optidel.vsix installed into code-server, a workspace
 * with tiny demo data, "OptiDEL: Run Pipeline" from the command palette, its progress notification,
 * the Runs view, every run view (asserting what each shows inside its webview frame), and a notebook
 * of the selected subset made by `optidel export --format ipynb`. Each step leaves a screenshot in
 * test-output/e2e/. Run with `npm run test:e2e` (needs scripts/vscode/setup.sh once).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { listRuns } from '../../src/shared/node/runStore';
import type { RunRecord } from '../../src/shared/runRecord';
import {
  openWorkbench,
  optidel,
  packageExtension,
  requireTools,
  startCodeServer,
  TEST_OUTPUT,
  type CodeServer,
  type Workbench,
} from '../../scripts/vscode/codeServer';
import { prepareDemoWorkspace } from '../../scripts/vscode/workspace';
import {
  canvasInk,
  expectText,
  notification,
  pickQuickItem,
  quickOpen,
  runCommand,
  Screenshots,
  visibleWebview,
} from './workbench';

const OUTPUT = path.join(TEST_OUTPUT, 'e2e');
/** The pipeline on tiny demo data with the smallest model and few steps: seconds from the command line, a minute or two here. */
const PIPELINE_TIMEOUT_MS = 8 * 60_000;
const QUICK_PIPELINE_CONFIG = { model: { preset: 'micro' }, pretrain: { steps: 6, batchSize: 8 } };

/** What a person would edit in optidel.json for a quick first run: the smallest model, a few steps. */
function makePipelineQuick(workspace: string): void {
  const file = path.join(workspace, 'optidel.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...config, ...QUICK_PIPELINE_CONFIG }, null, 2));
}

/** Each run view: its palette title, the heading inside its webview, and what it must show. */
const VIEWS: Array<{ command: string; heading: string; check(page: Page): Promise<void> }> = [
  {
    command: 'OptiDEL: Open Embedding Map',
    heading: 'Embedding map',
    async check(page) {
      const canvas = visibleWebview(page).locator('.odl-map canvas').first();
      await canvas.waitFor({ state: 'visible' });
      assert.ok((await canvasInk(canvas)) > 50, 'the embedding map drew no points');
    },
  },
  {
    command: 'OptiDEL: Open Difficulty Histogram',
    heading: 'Difficulty histogram',
    async check(page) {
      const bars = visibleWebview(page).locator('svg rect');
      await bars.first().waitFor({ state: 'visible' });
      assert.ok((await bars.count()) >= 3, 'the histogram has fewer than 3 bars');
    },
  },
  {
    command: 'OptiDEL: Open Sample Gallery',
    heading: 'Sample gallery',
    async check(page) {
      const thumbs = visibleWebview(page).locator('.odl-thumb');
      await thumbs.first().waitFor({ state: 'visible' });
      assert.ok((await thumbs.count()) > 0, 'the gallery shows no thumbnails');
    },
  },
  {
    command: 'OptiDEL: Open Segmentation Results',
    heading: 'Segmentation results',
    async check(page) {
      // Run Pipeline has no benchmark stage: the view must say how to get one rather than stay blank.
      const frame = visibleWebview(page);
      const drawn = frame.locator('canvas:visible');
      const explained = frame.locator('.odl-empty:visible', { hasNotText: 'Waiting for the run data' });
      await drawn.or(explained).first().waitFor({ state: 'visible' });
      if ((await drawn.count()) > 0)
        assert.ok((await canvasInk(drawn.first())) > 0, 'the segmentation canvas is blank');
      else {
        assert.match(await explained.first().innerText(), /Run Benchmark/);
        assert.equal(await frame.locator('.odl-toolbar').isVisible(), false, 'empty pickers are shown');
      }
    },
  },
];

describe('OptiDEL in code-server, used from the command palette', { timeout: 20 * 60_000 }, () => {
  let workspace: string;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let page: Page;
  let shots: Screenshots;
  let runDir: string | undefined;
  /** The pipeline's run; when that step failed, a finished run already in the workspace still lets later steps check the views. */
  const finishedRun = async (): Promise<string> => (runDir ??= await waitForFinishedRun(page, workspace, 10_000));

  before(async () => {
    requireTools();
    fs.mkdirSync(OUTPUT, { recursive: true });
    const vsix = packageExtension();
    workspace = prepareDemoWorkspace();
    makePipelineQuick(workspace);
    server = await startCodeServer({ workspace, extensions: [vsix], logFile: path.join(OUTPUT, 'code-server.log') });
    workbench = await openWorkbench(server.url);
    page = workbench.page;
    shots = new Screenshots(page, path.join(OUTPUT, 'screenshots'));
  });

  after(async () => {
    await workbench?.close();
    await server?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('the packaged extension is installed and active', () =>
    shots.step('activated', async () => {
      // The status bar item shows once the extension has activated and found the workspace's optidel.json.
      await page
        .locator('.statusbar-item', { hasText: 'OptiDEL' })
        .first()
        .waitFor({ state: 'visible', timeout: 60_000 });
      await page.locator('.activitybar .action-item a[aria-label^="OptiDEL"]').click();
      await page.locator('.sidebar .composite.title', { hasText: 'OptiDEL' }).waitFor({ state: 'visible' });
      await shots.take('activated');
    }));

  test('Run Pipeline from the command palette shows progress and completes', () =>
    shots.step('pipeline', async () => {
      await runCommand(page, 'OptiDEL: Run Pipeline');
      await pickQuickItem(page, 'optidel');
      await notification(page, 'OptiDEL: Run Pipeline (optidel)').waitFor({ state: 'visible', timeout: 60_000 });
      await shots.take('pipeline-progress');
      runDir = await waitForFinishedRun(page, workspace, PIPELINE_TIMEOUT_MS);
      await notification(page, /optidel pipeline done: \d+ selected/).waitFor({ state: 'visible', timeout: 30_000 });
      await shots.take('pipeline-done');
    }));

  test('the Runs view lists the run and its finished stages', () =>
    shots.step('runs-view', async () => {
      const runDir = await finishedRun();
      const runRow = page.locator('.pane-body .monaco-list-row', { hasText: path.basename(runDir) });
      await runRow.waitFor({ state: 'visible', timeout: 30_000 });
      if ((await runRow.getAttribute('aria-expanded')) === 'false') await runRow.click();
      const doneStages = page.locator('.pane-body .monaco-list-row', { hasText: /done/ });
      await doneStages.first().waitFor({ state: 'visible' });
      assert.ok((await doneStages.count()) >= 3, 'fewer than 3 stages show as done');
      await shots.take('runs-view');
    }));

  for (const view of VIEWS) {
    test(`${view.command} shows the run`, () =>
      shots.step(view.heading, async () => {
        const runDir = await finishedRun();
        await runCommand(page, 'View: Close All Editors');
        await runCommand(page, view.command);
        const frame = visibleWebview(page);
        await frame.locator('h1', { hasText: view.heading }).waitFor({ state: 'visible', timeout: 60_000 });
        await expectText(frame.locator('.odl-run'), path.basename(runDir));
        await view.check(page);
        await shots.take(view.heading.toLowerCase().replace(/\s+/g, '-'));
      }));
  }

  test('OptiDEL: Show Sample from the command palette draws a sample at full resolution', () =>
    shots.step('sample', async () => {
      const runDir = await finishedRun();
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'OptiDEL: Show Sample');
      // One run in the workspace: the command asks only for the sample id.
      await page.locator('.quick-input-widget input.input').waitFor({ state: 'visible', timeout: 30_000 });
      await page.keyboard.type('0', { delay: 5 });
      await page.keyboard.press('Enter');
      const frame = visibleWebview(page);
      await frame.locator('h1', { hasText: /^Sample$/ }).waitFor({ state: 'visible', timeout: 60_000 });
      await expectText(frame.locator('.odl-run'), path.basename(runDir));
      // The engine serves the sample: the status says so once NiiVue has it.
      await frame.locator('.odl-status', { hasText: /^sample #0$/ }).waitFor({ state: 'visible', timeout: 120_000 });
      assert.match(await frame.locator('.odl-info').innerText(), /#0\b[\s\S]*Source/);
      const canvas = frame.locator('.odl-canvas-box canvas');
      if ((await canvas.count()) > 0) {
        // A WebGL canvas has no 2D context to read: its pixels come from a screenshot.
        const sharp = (await import('sharp')).default;
        const { data } = await sharp(await canvas.screenshot())
          .greyscale()
          .raw()
          .toBuffer({ resolveWithObject: true });
        assert.ok(new Set(data).size > 10, 'the sample view drew no image');
      } else assert.match(await frame.locator('.odl-no-gl').innerText(), /WebGL2/);
      await shots.take('sample');
    }));

  test('a notebook of the exported subset renders its output cell', () =>
    shots.step('notebook', async () => {
      const runDir = await finishedRun();
      await runCommand(page, 'View: Close All Editors');
      const notebookFile = path.join(workspace, 'subset.ipynb');
      const exported = JSON.parse(
        optidel(['export', '--run', runDir, '--format', 'ipynb', '--out', notebookFile, '--json'])
          .trim()
          .split('\n')
          .pop()!,
      ) as { samples: number; method: string };
      await quickOpen(page, 'subset.ipynb');
      // The output lives in the notebook's webview; the renderer draws into a shadow root, which
      // Playwright's CSS locators enter.
      const notebookFrame = page
        .locator('.notebookOverlay iframe.webview.ready')
        .first()
        .contentFrame()
        .locator('#active-frame')
        .contentFrame();
      const canvas = notebookFrame.locator('canvas').first();
      await canvas.waitFor({ state: 'visible', timeout: 120_000 });
      await canvas.scrollIntoViewIfNeeded();
      assert.ok((await canvasInk(canvas)) > 20, 'the subset scatter plot drew nothing');
      const stat = (label: string) =>
        notebookFrame.locator('.ods-stat', { has: notebookFrame.locator('dt', { hasText: label }) }).locator('dd');
      assert.equal(await stat('Pool').innerText(), String(exported.samples));
      assert.equal(await stat('Method').innerText(), exported.method);
      if (exported.method === 'optidel')
        assert.match(
          (await stat('Selected').locator('..').getAttribute('title')) ?? '',
          /key patches of the \d+ generated images/,
          'optidel selects more pool images than its budget: the tooltip must say why',
        );
      await shots.take('notebook');
    }));
});

/**
 * Waits until the pipeline's progress notification is gone and a run folder in the workspace has
 * `train` (the last stage of Run Pipeline) done and no stage running; a failed stage ends the wait at once.
 */
async function waitForFinishedRun(page: Page, workspace: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const activeProgress = page.locator('.notification-toast .monaco-progress-container.active');
  for (;;) {
    const runs = await listRuns(path.join(workspace, '.optidel', 'runs'));
    for (const run of runs) {
      const failed = Object.entries(run.record?.stages ?? {}).find(([, s]) => s.status === 'failed');
      if (failed) throw new Error(`stage ${failed[0]} failed: ${failed[1].error}`);
    }
    const done = runs.find((run) => run.record && pipelineDone(run.record));
    if (done && (await activeProgress.count()) === 0) return done.dir;
    if (Date.now() > deadline) throw new Error(`the pipeline did not finish within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Run Pipeline's stages end with `train`; `finetune` belongs to the benchmark and may stay pending. */
function pipelineDone(record: RunRecord): boolean {
  return record.stages.train?.status === 'done' && Object.values(record.stages).every((s) => s.status !== 'running');
}
