/** The "Runs" view: every run folder with each stage's status, refreshed when a run.json changes. */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunRecord, StageName } from '../../shared/runRecord';
import { STAGES, STAGE_TITLES } from '../../shared/runRecord';
import { interruptedStages } from '../../shared/node/runStore';
import { listWorkspaceRuns } from '../workspaceRuns';

export type RunsTreeNode =
  | { kind: 'run'; dir: string; record?: RunRecord; error?: string }
  | { kind: 'stage'; dir: string; stage: StageName; record: RunRecord };

const STATUS_ICONS: Record<string, vscode.ThemeIcon> = {
  pending: new vscode.ThemeIcon('circle-large-outline'),
  running: new vscode.ThemeIcon('sync~spin'),
  done: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
};

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher;

  constructor() {
    this.watcher = vscode.workspace.createFileSystemWatcher('**/run.json');
    this.watcher.onDidChange(() => this.refresh());
    this.watcher.onDidCreate(() => this.refresh());
    this.watcher.onDidDelete(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  /** The most recent run folder, for commands that act on "the current run". */
  async latestRun(): Promise<string | undefined> {
    return (await listWorkspaceRuns()).find((r) => r.record)?.dir;
  }

  async getChildren(node?: RunsTreeNode): Promise<RunsTreeNode[]> {
    if (!node) {
      // A refused optidel.runsFolder lists nothing here; the commands say why when run.
      const runs = await listWorkspaceRuns().catch(() => []);
      return runs.map((r) => ({ kind: 'run' as const, ...r }));
    }
    if (node.kind === 'run' && node.record) {
      const record = node.record;
      return STAGES.filter((s) => record.stages[s]).map((stage) => ({
        kind: 'stage' as const,
        dir: node.dir,
        stage,
        record,
      }));
    }
    return [];
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    if (node.kind === 'run') {
      const item = new vscode.TreeItem(
        path.basename(node.dir),
        node.record ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
      );
      item.resourceUri = vscode.Uri.file(node.dir);
      item.contextValue = 'optidel.run';
      if (node.error) {
        item.description = 'unreadable';
        item.tooltip = node.error;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      } else {
        const stages = Object.values(node.record!.stages);
        const done = stages.filter((s) => s.status === 'done').length;
        const running = stages.some((s) => s.status === 'running');
        item.description = `${done}/${stages.length} stages${node.record!.backend ? ` · ${node.record!.backend}` : ''}`;
        item.tooltip = `${node.dir}\ncreated ${node.record!.createdAt}`;
        item.iconPath = new vscode.ThemeIcon(running ? 'loading~spin' : 'beaker');
      }
      return item;
    }
    const stage = node.record.stages[node.stage]!;
    const item = new vscode.TreeItem(STAGE_TITLES[node.stage], vscode.TreeItemCollapsibleState.None);
    const summary = stage.summary
      ? Object.entries(stage.summary)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
      : '';
    // A stage left "running" by an engine that no longer exists was interrupted: show it as such.
    const interrupted = interruptedStages(node.record).includes(node.stage);
    const status = interrupted ? 'interrupted' : stage.status;
    item.description = [status, stage.seconds !== undefined ? `${stage.seconds.toFixed(1)} s` : '', summary]
      .filter(Boolean)
      .join(' · ');
    item.tooltip = interrupted
      ? `${node.stage}: the engine process ended while this stage ran; run it again to resume from its last checkpoint`
      : stage.error
        ? `${node.stage}: ${stage.error}`
        : `${node.stage}: ${stage.status}`;
    item.iconPath = STATUS_ICONS[interrupted ? 'failed' : stage.status];
    item.contextValue = `optidel.stage.${stage.status}`;
    return item;
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}
