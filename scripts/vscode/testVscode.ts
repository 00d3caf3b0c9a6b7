/**
 * `npm run test:vscode`: the integration suites inside a real VS Code (code-server). Installs the
 * packaged optidel.vsix and the test-harness extension, opens a workspace holding tiny demo data in
 * headless Chromium (the extension host starts only when a window connects), waits for the report
 * the harness writes, prints it, and ends every process it started.
 *
 * Environment: OPTIDEL_TEST_GREP (run only matching tests), OPTIDEL_TEST_EXPECT_BACKEND (e.g. wasm),
 * OPTIDEL_REUSE_VSIX=1 (skip `npm run package` when optidel.vsix exists).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SuiteReport } from '../../test/integration/index';
import { buildHarness, buildSuites, HARNESS_VSIX, SUITES_ENTRY } from './buildTests';
import {
  openWorkbench,
  packageExtension,
  requireTools,
  sleep,
  startCodeServer,
  TEST_OUTPUT,
  type CodeServer,
  type Workbench,
} from './codeServer';
import { prepareDemoWorkspace } from './workspace';

const OUTPUT = path.join(TEST_OUTPUT, 'vscode');
const REPORT_TIMEOUT_MS = Number(process.env.OPTIDEL_TEST_REPORT_TIMEOUT_MS ?? 15 * 60_000);

async function main(): Promise<number> {
  const started = Date.now();
  requireTools();
  fs.rmSync(OUTPUT, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT, { recursive: true });
  const vsix = packageExtension();
  await buildSuites();
  await buildHarness();
  const workspace = prepareDemoWorkspace();
  const reportFile = path.join(OUTPUT, 'report.json');

  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  try {
    server = await startCodeServer({
      workspace,
      extensions: [vsix, HARNESS_VSIX],
      logFile: path.join(OUTPUT, 'code-server.log'),
      env: {
        OPTIDEL_TEST_ENTRY: SUITES_ENTRY,
        OPTIDEL_TEST_REPORT: reportFile,
        // The engine must run on the Node the settings name, not the Node 24 running code-server.
        OPTIDEL_TEST_ENGINE_NODE: process.execPath,
      },
    });
    workbench = await openWorkbench(server.url);
    const report = await waitForReport(reportFile, workbench);
    await workbench.page.screenshot({ path: path.join(OUTPUT, 'workbench.png') });
    return printReport(report, (Date.now() - started) / 1000);
  } catch (err) {
    if (workbench) await workbench.page.screenshot({ path: path.join(OUTPUT, 'failure.png') }).catch(() => undefined);
    throw err;
  } finally {
    await workbench?.close();
    await server?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** Waits for the harness's report; with OPTIDEL_TEST_SCREENSHOT_EVERY_S, screenshots the workbench meanwhile (to see a hang). */
async function waitForReport(file: string, workbench: Workbench): Promise<SuiteReport | { error: string }> {
  const deadline = Date.now() + REPORT_TIMEOUT_MS;
  const everyMs = Number(process.env.OPTIDEL_TEST_SCREENSHOT_EVERY_S ?? 0) * 1000;
  let nextShot = everyMs > 0 ? Date.now() + everyMs : Infinity;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline)
      throw new Error(
        `no test report after ${REPORT_TIMEOUT_MS / 1000} s: see ${path.join(OUTPUT, 'code-server.log')}`,
      );
    if (Date.now() > nextShot) {
      await workbench.page.screenshot({
        path: path.join(OUTPUT, `progress-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}.png`),
      });
      nextShot += everyMs;
    }
    await sleep(500);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function printReport(report: SuiteReport | { error: string }, seconds: number): number {
  if ('error' in report) {
    console.error(`the integration suites did not run:\n${report.error}`);
    return 1;
  }
  for (const t of report.tests) {
    const mark = t.state === 'passed' ? '✔' : t.state === 'failed' ? '✖' : '-';
    console.log(`${mark} ${t.title}${t.ms ? ` (${t.ms} ms)` : ''}`);
    if (t.error) console.log(t.error.replace(/^/gm, '    '));
  }
  console.log(
    `\n${report.passed} passed, ${report.failed} failed, ${report.pending} pending; suites ${report.seconds.toFixed(1)} s, layer ${seconds.toFixed(1)} s in all`,
  );
  return report.failed === 0 && report.passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
