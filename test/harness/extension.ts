/**
 * Test-only extension installed next to OptiDEL in code-server, where no test runner can start an
 * extension host: when it activates it loads the suites' entry module named by OPTIDEL_TEST_ENTRY,
 * runs them, and writes their report to OPTIDEL_TEST_REPORT (atomically, so the driver waiting for
 * the file never reads half of it). Without both variables it does nothing. It does not declare
 * OptiDEL as a dependency: that would activate OptiDEL with it, and the activation suite checks
 * that OptiDEL activates only where its own activation events say.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { SuiteReport } from '../integration/index';

interface SuitesModule {
  runSuites(): Promise<SuiteReport>;
}

export async function activate(): Promise<void> {
  const entry = process.env.OPTIDEL_TEST_ENTRY;
  const reportFile = process.env.OPTIDEL_TEST_REPORT;
  if (!entry || !reportFile) return;
  let report: SuiteReport | { error: string };
  try {
    // A path known only at run time: the suites are built in the repository, not into this bundle.
    // require (not import()) so that the suites' own require('vscode') goes through the extension
    // host's module interceptor like any extension's.
    const suites = createRequire(__filename)(entry) as SuitesModule;
    report = await suites.runSuites();
  } catch (err) {
    report = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  fs.writeFileSync(`${reportFile}.tmp`, JSON.stringify(report, null, 2));
  fs.renameSync(`${reportFile}.tmp`, reportFile);
}

export function deactivate(): void {
  // Nothing to release: the suites end the processes they start.
}
