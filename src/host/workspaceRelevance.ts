/**
 * Whether OptiDEL has anything to do in this window: the workspace holds an optidel.json or run
 * folders. It sets the context key the explorer's "Add to Pool" tests, and tells the status bar
 * whether to show the engine item (which also shows while a command runs).
 */
import * as vscode from 'vscode';
import type { RunsTreeProvider } from './views/runsTree';
import { listWorkspaceRuns } from './workspaceRuns';
import { CONFIG_FILE_NAME } from './workspaceConfig';
import { HAS_CONFIG_KEY } from './contextKeys';

const CONFIG_GLOB = `**/${CONFIG_FILE_NAME}`;
const NOT_SEARCHED = '**/{node_modules,.git}/**';

export class WorkspaceRelevance implements vscode.Disposable {
  private hasConfig = false;
  private hasRuns = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    runs: RunsTreeProvider,
    private readonly onChange: (relevant: boolean) => void,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(CONFIG_GLOB, false, true, false);
    watcher.onDidCreate(() => this.set({ hasConfig: true }));
    watcher.onDidDelete(() => void this.findConfig());
    this.disposables.push(
      watcher,
      runs.onDidList((listed) => this.set({ hasRuns: listed.runs > 0 })),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.check()),
    );
    void this.check();
  }

  private async check(): Promise<void> {
    const runs = await listWorkspaceRuns().catch(() => []);
    this.set({ hasRuns: runs.length > 0 });
    await this.findConfig();
  }

  private async findConfig(): Promise<void> {
    const found = await vscode.workspace.findFiles(CONFIG_GLOB, NOT_SEARCHED, 1);
    this.set({ hasConfig: found.length > 0 });
  }

  private set(change: { hasConfig?: boolean; hasRuns?: boolean }): void {
    this.hasConfig = change.hasConfig ?? this.hasConfig;
    this.hasRuns = change.hasRuns ?? this.hasRuns;
    void vscode.commands.executeCommand('setContext', HAS_CONFIG_KEY, this.hasConfig);
    this.onChange(this.hasConfig || this.hasRuns);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
