/** The extension's settings, read in one place with their defaults (declared in package.json). */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { BackendPreference } from '../shared/engineInfo';

export interface EngineSettings {
  nodePath: string;
  modulePaths: string[];
  libraryPaths: string[];
  backend: BackendPreference;
}

export function engineSettings(): EngineSettings {
  const config = vscode.workspace.getConfiguration('optidel.engine');
  return {
    nodePath: config.get<string>('nodePath', '').trim(),
    modulePaths: config.get<string[]>('modulePaths', []),
    libraryPaths: config.get<string[]>('libraryPaths', []),
    backend: config.get<BackendPreference>('backend', 'auto'),
  };
}

/** The folder holding run folders: the setting, relative to the first workspace folder. */
export function runsRoot(): string | undefined {
  const setting = vscode.workspace.getConfiguration('optidel').get<string>('runsFolder', '.optidel/runs');
  if (path.isAbsolute(setting)) return setting;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, setting) : undefined;
}

/** Engine processes that share a benchmark's encoders (at least 1). */
export function benchmarkWorkers(): number {
  const value = vscode.workspace.getConfiguration('optidel.benchmark').get<number>('workers', 1);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}
