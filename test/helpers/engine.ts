/** Helpers for tests that run the built engine as a real process (npm test builds it first). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ENGINE = path.join(ROOT, 'dist', 'engine', 'main.js');
export const CLI = path.join(ROOT, 'bin', 'optidel.js');

export function requireBuiltEngine(): void {
  if (!fs.existsSync(ENGINE)) throw new Error(`${ENGINE} is missing: run "npm run build" first (npm test does)`);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The JSON object printed last on stdout, when --json was given. */
  json?: Record<string, unknown>;
}

/** Runs `optidel ...args` to completion. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): CliRun {
  requireBuiltEngine();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 120_000,
    cwd: options.cwd,
  });
  const lastLine = result.stdout.trim().split('\n').pop() ?? '';
  let json: Record<string, unknown> | undefined;
  if (args.includes('--json') && lastLine.startsWith('{')) json = JSON.parse(lastLine);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
