/** The extension's settings, read in one place with their defaults (declared in package.json). */
import * as vscode from 'vscode';
import { HostError } from './notify';
import { decideRunsFolder, type RunsFolderSetting } from './pathPolicy';
import type { BackendPreference } from '../shared/engineInfo';
import { SCORE_RUNTIMES, type ScoreRuntime } from '../shared/commands';

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

/**
 * The runs folder of one workspace folder (optidel.runsFolder, resource-scoped). A workspace
 * value that leads outside the folder is refused with a HostError naming the key and the fix.
 */
export function runsFolderOf(folder: vscode.WorkspaceFolder): string {
  const config = vscode.workspace.getConfiguration('optidel', folder.uri);
  const setting: RunsFolderSetting = config.inspect<string>('runsFolder') ?? {};
  const decision = decideRunsFolder(setting, folder.uri.fsPath, vscode.workspace.isTrusted);
  if (!decision.ok) {
    const value = setting.workspaceFolderValue ?? setting.workspaceValue;
    throw new HostError(decision.reason, `optidel.runsFolder of ${folder.uri.fsPath} is ${JSON.stringify(value)}`);
  }
  return decision.path;
}

/**
 * The runs folder for new runs made from `file` (a config): that of the workspace folder holding
 * it, else of the first folder; undefined when no folder is open.
 */
export function runsRoot(file?: string): string | undefined {
  const holding = file ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) : undefined;
  const folder = holding ?? vscode.workspace.workspaceFolders?.[0];
  return folder ? runsFolderOf(folder) : undefined;
}

/**
 * What runs the model in Score Difficulty, Propose Key Patches and Run Pipeline
 * (optidel.score.runtime), or undefined where the user has not set it (or set an unknown value),
 * so that the engine decides as on the command line: the run config's model.runtime, else tfjs.
 */
export function scoreRuntime(): ScoreRuntime | undefined {
  const setting = vscode.workspace.getConfiguration('optidel.score').inspect<string>('runtime');
  const value = setting?.workspaceFolderValue ?? setting?.workspaceValue ?? setting?.globalValue;
  return SCORE_RUNTIMES.find((r) => r === value);
}

/** Engine processes that share a benchmark's encoders (at least 1). */
export function benchmarkWorkers(): number {
  const value = vscode.workspace.getConfiguration('optidel.benchmark').get<number>('workers', 1);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

/** The runs folder of every workspace folder (a refused setting throws, naming the key and the fix). */
export function runsFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map(runsFolderOf);
}
