/**
 * Entry point of the integration suites, loaded inside the extension host. Two runners use it:
 * `@vscode/test-electron` calls `run()` (its extensionTestsPath contract: reject on failure), and the
 * test-harness extension in code-server calls `runSuites()` and writes the report it returns.
 * Every suite is a `*.test.js` bundle next to this file (scripts/vscode/buildTests.ts makes them).
 */
import Mocha from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestOutcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  ms: number;
  error?: string;
}

export interface SuiteReport {
  passed: number;
  failed: number;
  pending: number;
  seconds: number;
  tests: TestOutcome[];
}

export async function runSuites(): Promise<SuiteReport> {
  const started = Date.now();
  // Engine starts, a pipeline stage and webview renders take seconds on 2 shared cores.
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: Number(process.env.OPTIDEL_TEST_TIMEOUT_MS ?? 180_000) });
  const grep = process.env.OPTIDEL_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(path.join(__dirname, file));

  const tests: TestOutcome[] = [];
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (test) => tests.push({ title: test.fullTitle(), state: 'passed', ms: test.duration ?? 0 }));
    runner.on('pending', (test) => tests.push({ title: test.fullTitle(), state: 'pending', ms: 0 }));
    runner.on('fail', (test, err: Error) =>
      tests.push({ title: test.fullTitle(), state: 'failed', ms: test.duration ?? 0, error: err.stack ?? err.message }),
    );
  });
  const count = (state: TestOutcome['state']) => tests.filter((t) => t.state === state).length;
  return {
    passed: count('passed'),
    failed: count('failed'),
    pending: count('pending'),
    seconds: (Date.now() - started) / 1000,
    tests,
  };
}

/** The `@vscode/test-electron` contract. */
export async function run(): Promise<void> {
  const report = await runSuites();
  if (report.failed > 0 || report.passed === 0)
    throw new Error(`${report.failed} of ${report.tests.length} integration tests failed`);
}
