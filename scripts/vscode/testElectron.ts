/**
 * `npm run test:electron`: the same integration suites through `@vscode/test-electron`, the standard
 * runner, on a desktop VS Code. It downloads VS Code where the network allows; set
 * VSCODE_EXECUTABLE_PATH to use an installed one instead (the only way on a machine without
 * access to Microsoft's update server, like this project's CI, which runs the suites in code-server).
 * Runs the development build in dist/ (npm run build) as the extension under development.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildSuites, SUITES_ENTRY } from './buildTests';
import { ROOT, tempDir } from './codeServer';
import { prepareDemoWorkspace } from './workspace';

async function main(): Promise<void> {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  await buildSuites();
  const workspace = prepareDemoWorkspace();
  const userDataDir = tempDir('electron-user-data');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false }),
  );
  try {
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
      version: process.env.VSCODE_VERSION || undefined,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: SUITES_ENTRY,
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        userDataDir,
      ],
      extensionTestsEnv: { OPTIDEL_TEST_ENGINE_NODE: process.execPath },
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/ENOTFOUND|ECONNREFUSED|EAI_AGAIN|getaddrinfo|ETIMEDOUT/.test(message)) {
      throw new Error(
        `could not download VS Code (${message}). Set VSCODE_EXECUTABLE_PATH to an installed VS Code, or run "npm run test:vscode" (code-server).`,
      );
    }
    throw err;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
