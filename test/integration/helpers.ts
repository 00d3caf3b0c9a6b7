/** What the integration suites share: the activated extension's services and small waits. */
import * as vscode from 'vscode';
import type { HostServices } from '../../src/host/services';

export const EXTENSION_ID = 'optidel.optidel';

export async function activateOptidel(): Promise<HostServices> {
  const extension = vscode.extensions.getExtension<HostServices>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this VS Code`);
  return extension.activate();
}

/** The first workspace folder: the driver opens one holding tiny demo data. */
export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration suites need a workspace folder (the test driver opens one)');
  return folder.uri.fsPath;
}

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Commands that end by showing a message resolve only when a person dismisses it: this dismisses
 * every notification, as a person would, until `pending` settles.
 */
export async function dismissNotificationsUntilSettled<T>(pending: Thenable<T>, timeoutMs = 120_000): Promise<T> {
  let settled = false;
  const result = Promise.resolve(pending).finally(() => (settled = true));
  const deadline = Date.now() + timeoutMs;
  while (!settled && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (!settled) await vscode.commands.executeCommand('notifications.clearAll');
  }
  if (!settled) throw new Error(`still pending after ${timeoutMs / 1000} s with its notifications dismissed`);
  return result;
}
