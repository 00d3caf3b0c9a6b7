/**
 * Builds what the extension-host test layers load, into test-output/ (git-ignored, outside the
 * .vsix): the integration suites (one CommonJS bundle per suite plus their entry, index.js) and the
 * test-harness extension packaged as a .vsix for code-server.
 */
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, TEST_OUTPUT } from './codeServer';

export const SUITES_DIR = path.join(TEST_OUTPUT, 'integration');
export const SUITES_ENTRY = path.join(SUITES_DIR, 'index.js');
export const HARNESS_VSIX = path.join(TEST_OUTPUT, 'harness', 'optidel-test-harness.vsix');

const common: esbuild.BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
  absWorkingDir: ROOT,
  // Mocha 12's main entry is an ES module; its CommonJS build is what require() in any extension host
  // (Electron's included) can load. It stays outside the bundle: it reads its own files at run time.
  alias: { mocha: 'mocha/lib/mocha.cjs' },
  external: ['vscode', 'mocha/lib/mocha.cjs'],
};

export async function buildSuites(): Promise<void> {
  const dir = path.join(ROOT, 'test', 'integration');
  const suites = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/integration/${f}`);
  fs.rmSync(SUITES_DIR, { recursive: true, force: true });
  await esbuild.build({ ...common, entryPoints: ['test/integration/index.ts', ...suites], outdir: SUITES_DIR });
}

export async function buildHarness(): Promise<void> {
  const extensionDir = path.join(path.dirname(HARNESS_VSIX), 'extension');
  fs.rmSync(path.dirname(HARNESS_VSIX), { recursive: true, force: true });
  await esbuild.build({
    ...common,
    entryPoints: ['test/harness/extension.ts'],
    outfile: path.join(extensionDir, 'extension.js'),
  });
  fs.copyFileSync(path.join(ROOT, 'test', 'harness', 'package.json'), path.join(extensionDir, 'package.json'));
  const vsce = path.join(ROOT, 'node_modules', '.bin', 'vsce');
  const result = spawnSync(
    vsce,
    ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', HARNESS_VSIX],
    {
      cwd: extensionDir,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`packaging the test harness failed:\n${result.stdout}\n${result.stderr}`);
}
