/**
 * The "Runs" view: every run folder with each stage's status, refreshed when a run.json changes in
 * any runs folder (they follow `optidel.runsFolder` and the workspace folders). Items carry context
 * values by capability (runCapabilities.ts), so menus offer only what a run has.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunRecord, StageName } from '../../shared/runRecord';
import { describeStageSummary, STAGES, STAGE_TITLES } from '../../shared/runRecord';
import { ARTIFACTS, metricsFile } from '../../shared/artifacts';
import { RUN_FILE } from '../../shared/node/runStore';
import { listWorkspaceRuns } from '../workspaceRuns';
import { runsFolders } from '../settings';
import { runContextValue, runningStages, shownStatus, stageContextValue, stageError } from './runCapabilities';

export type RunsTreeNode =
  | { kind: 'run'; dir: string; record?: RunRecord; error?: string }
  | { kind: 'stage'; dir: string; stage: StageName; record: RunRecord };

const STATUS_ICONS: Record<string, vscode.ThemeIcon> = {
  pending: new vscode.ThemeIcon('circle-large-outline'),
  running: new vscode.ThemeIcon('sync~spin'),
  done: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  interrupted: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
};

/** What the view found on its last listing, for the badge and the status bar. */
export interface RunsListed {
  runs: number;
  runningStages: number;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly listed = new vscode.EventEmitter<RunsListed>();
  /** Fired after each listing of the runs. */
  readonly onDidList = this.listed.event;
  private watchers: vscode.FileSystemWatcher[] = [];
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.watchRunsFolders();
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('optidel.runsFolder')) this.followRunsFolders();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.followRunsFolders()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.followRunsFolders()),
    ];
  }

  private followRunsFolders(): void {
    this.watchRunsFolders();
    this.refresh();
  }

  /**
   * Every run.json of the workspace (a runs folder that does not exist yet included), and one
   * watcher per runs folder, since one set in user settings may lie outside the workspace.
   */
  private watchRunsFolders(): void {
    for (const watcher of this.watchers) watcher.dispose();
    let roots: string[];
    try {
      roots = runsFolders();
    } catch {
      roots = []; // a refused optidel.runsFolder: the commands say why when run
    }
    const patterns = [
      `**/${RUN_FILE}`,
      ...roots.map((root) => new vscode.RelativePattern(vscode.Uri.file(root), `*/${RUN_FILE}`)),
    ];
    this.watchers = patterns.map((pattern) => {
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      watcher.onDidChange(() => this.refresh());
      watcher.onDidCreate(() => this.refresh());
      watcher.onDidDelete(() => this.refresh());
      return watcher;
    });
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
      const running = runs.reduce((n, r) => n + (r.record ? runningStages(r.record).length : 0), 0);
      this.listed.fire({ runs: runs.length, runningStages: running });
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
    return node.kind === 'run' ? runItem(node) : stageItem(node);
  }

  dispose(): void {
    for (const d of [...this.watchers, ...this.subscriptions, this.changed, this.listed]) d.dispose();
  }
}

function runItem(node: Extract<RunsTreeNode, { kind: 'run' }>): vscode.TreeItem {
  const item = new vscode.TreeItem(
    path.basename(node.dir),
    node.record ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.resourceUri = vscode.Uri.file(node.dir);
  const benchmarked = fs.existsSync(path.join(node.dir, ARTIFACTS.benchReportMarkdown));
  const hasMetrics = fs.existsSync(path.join(node.dir, ARTIFACTS.metricsDir));
  item.contextValue = runContextValue({ record: node.record, benchmarked, hasMetrics });
  if (!node.record) {
    item.description = 'unreadable';
    item.tooltip = node.error;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    return item;
  }
  const stages = Object.values(node.record.stages);
  const done = stages.filter((s) => s.status === 'done').length;
  const running = runningStages(node.record).length > 0;
  item.description = `${done}/${stages.length} stages${node.record.backend ? ` · ${node.record.backend}` : ''}`;
  item.tooltip = `${node.dir}\ncreated ${node.record.createdAt}`;
  item.iconPath = new vscode.ThemeIcon(running ? 'loading~spin' : 'beaker');
  return item;
}

function stageItem(node: Extract<RunsTreeNode, { kind: 'stage' }>): vscode.TreeItem {
  const stage = node.record.stages[node.stage]!;
  const item = new vscode.TreeItem(STAGE_TITLES[node.stage], vscode.TreeItemCollapsibleState.None);
  const summary = describeStageSummary(stage.summary);
  const status = shownStatus(node.record, node.stage);
  item.description = [status, stage.seconds !== undefined ? `${stage.seconds.toFixed(1)} s` : '', summary]
    .filter(Boolean)
    .join(' · ');
  const error = stageError(node.record, node.stage);
  item.tooltip = `${node.stage}: ${error ?? status}`;
  item.iconPath = STATUS_ICONS[status];
  const hasMetrics = fs.existsSync(path.join(node.dir, metricsFile(node.stage)));
  item.contextValue = stageContextValue({ record: node.record, stage: node.stage, hasMetrics });
  return item;
}
