/**
 * `npm run test:vscode`: the integration suites inside a real VS Code (code-server). Installs the
 * packaged optidel.vsix and the test-harness extension, opens a workspace holding tiny demo data in
 * headless Chromium (the extension host starts only when a window connects), waits for the report
 * the harness writes, prints it, and ends every process it started. Then the same in an empty
 * folder, where only the activation suite runs (OptiDEL must not activate there).
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
  tempDir,
  TEST_OUTPUT,
  type CodeServer,
  type Workbench,
} from './codeServer';
import { prepareDemoWorkspace } from './workspace';

const OUTPUT = path.join(TEST_OUTPUT, 'vscode');
const REPORT_TIMEOUT_MS = Number(process.env.OPTIDEL_TEST_REPORT_TIMEOUT_MS ?? 15 * 60_000);

/** One code-server session on `workspace`: the suites run inside it and their report comes back. */
async function runLayer(
  name: string,
  workspace: string,
  vsix: string,
  env: Record<string, string>,
): Promise<SuiteReport | { error: string }> {
  const reportFile = path.join(OUTPUT, `${name}-report.json`);
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  try {
    server = await startCodeServer({
      workspace,
      extensions: [vsix, HARNESS_VSIX],
      logFile: path.join(OUTPUT, `${name}-code-server.log`),
      env: { OPTIDEL_TEST_ENTRY: SUITES_ENTRY, OPTIDEL_TEST_REPORT: reportFile, ...env },
    });
    workbench = await openWorkbench(server.url);
    const report = await waitForReport(reportFile, workbench, name);
    await workbench.page.screenshot({ path: path.join(OUTPUT, `${name}-workbench.png`) });
    return report;
  } catch (err) {
    if (workbench)
      await workbench.page.screenshot({ path: path.join(OUTPUT, `${name}-failure.png`) }).catch(() => undefined);
    throw err;
  } finally {
    await workbench?.close();
    await server?.stop();
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  requireTools();
  fs.rmSync(OUTPUT, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT, { recursive: true });
  const vsix = packageExtension();
  await buildSuites();
  await buildHarness();
  const demo = prepareDemoWorkspace();
  const empty = tempDir('empty-workspace');
  try {
    // The engine must run on the Node the settings name, not the Node 24 running code-server.
    const demoReport = await runLayer('demo', demo, vsix, { OPTIDEL_TEST_ENGINE_NODE: process.execPath });
    let code = printReport('demo folder', demoReport, (Date.now() - started) / 1000);
    // A folder with nothing of OptiDEL's: only the activation suite runs there.
    if (!process.env.OPTIDEL_TEST_GREP || 'workspace activation'.includes(process.env.OPTIDEL_TEST_GREP)) {
      const emptyReport = await runLayer('empty', empty, vsix, {
        OPTIDEL_TEST_FOLDER_KIND: 'empty',
        OPTIDEL_TEST_GREP: 'workspace activation',
      });
      code = Math.max(code, printReport('empty folder', emptyReport, (Date.now() - started) / 1000));
    }
    return code;
  } finally {
    fs.rmSync(demo, { recursive: true, force: true });
    fs.rmSync(empty, { recursive: true, force: true });
  }
}

/** Waits for the harness's report; with OPTIDEL_TEST_SCREENSHOT_EVERY_S, screenshots the workbench meanwhile (to see a hang). */
async function waitForReport(
  file: string,
  workbench: Workbench,
  name: string,
): Promise<SuiteReport | { error: string }> {
  const deadline = Date.now() + REPORT_TIMEOUT_MS;
  const everyMs = Number(process.env.OPTIDEL_TEST_SCREENSHOT_EVERY_S ?? 0) * 1000;
  let nextShot = everyMs > 0 ? Date.now() + everyMs : Infinity;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline)
      throw new Error(
        `no test report after ${REPORT_TIMEOUT_MS / 1000} s: see ${path.join(OUTPUT, `${name}-code-server.log`)}`,
      );
    if (Date.now() > nextShot) {
      await workbench.page.screenshot({
        path: path.join(OUTPUT, `${name}-progress-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}.png`),
      });
      nextShot += everyMs;
    }
    await sleep(500);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function printReport(name: string, report: SuiteReport | { error: string }, seconds: number): number {
  console.log(`\n${name}:`);
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
