/**
 * One webview panel showing one run in one view: its HTML (webviewHtml.ts), its data (runData.ts),
 * the messages it may send (validated), live updates while a stage runs (engine stage/progress
 * events and a watcher on the artifacts the view reads), and restore after a restart (a panel
 * serializer; the view keeps the run folder in its webview state).
 */
import * as vscode from 'vscode';
import { isRunFolder } from '../../shared/node/runStore';
import * as path from 'node:path';
import type { HostServices } from '../services';
import type { HostToView, ViewKind } from '../../shared/viewMessages';
import { VIEW_KINDS, VIEW_TITLES } from '../../shared/viewMessages';

type FocusSample = Extract<HostToView, { type: 'focusSample' }>;
import { buildWebviewHtml, makeNonce } from './webviewHtml';
import { watchedArtifacts } from './runData';
import { answerViewMessage, type SampleActions } from './viewMessageHandler';
import { isUncLike } from '../pathPolicy';

const viewType = (kind: ViewKind): string => `optidel.${kind}`;
/** Several file events arrive per artifact write (temp file, rename): one reload for all of them. */
const RELOAD_DELAY_MS = 300;

export class RunPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, RunPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private stale = false;
  private readonly runningStages = new Set<string>();
  /** Per sample the engine has served here, its source on disk (checked by the engine to lie in the run's pool). */
  private readonly servedSources = new Map<number, string>();
  /** The webview's script has said ready (and not been torn down since): messages posted now arrive. */
  private viewReady = false;
  /** A sample to show once the view is ready. */
  private pendingFocus: FocusSample | undefined;

  /** Opens (or reveals) the view of `kind` for the run in `runDir`. */
  static show(services: HostServices, kind: ViewKind, runDir: string): RunPanel {
    const key = `${kind}:${path.resolve(runDir)}`;
    const existing = RunPanel.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      viewType(kind),
      title(kind, runDir),
      vscode.ViewColumn.Active,
      webviewOptions(services, runDir),
    );
    return new RunPanel(services, kind, path.resolve(runDir), panel);
  }

  private constructor(
    private readonly services: HostServices,
    readonly kind: ViewKind,
    readonly runDir: string,
    readonly panel: vscode.WebviewPanel,
  ) {
    const key = `${kind}:${runDir}`;
    RunPanel.panels.set(key, this);
    const { webview } = panel;
    webview.options = webviewOptions(services, runDir);
    panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'optidel.svg');
    webview.html = buildWebviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview
        .asWebviewUri(vscode.Uri.joinPath(services.context.extensionUri, 'dist', 'webview', `${kind}.js`))
        .toString(),
      nonce: makeNonce(),
      title: title(kind, runDir),
      view: kind,
    });
    const pattern = new vscode.RelativePattern(vscode.Uri.file(runDir), `{${watchedArtifacts(kind).join(',')}}`);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    this.disposables.push(
      watcher,
      watcher.onDidChange(() => this.scheduleReload()),
      watcher.onDidCreate(() => this.scheduleReload()),
      watcher.onDidDelete(() => this.scheduleReload()),
      webview.onDidReceiveMessage((raw) => void this.onViewMessage(raw)),
      panel.onDidChangeViewState(() => {
        // A hidden webview is torn down (retainContextWhenHidden is off): it says ready again when shown.
        if (!panel.visible) this.viewReady = false;
        if (panel.visible && this.stale) this.scheduleReload();
      }),
      services.engine.onEvent((event) => {
        if (event.type === 'stage' && path.resolve(event.runDir) === runDir) {
          if (event.status === 'running') this.runningStages.add(event.stage);
          else this.runningStages.delete(event.stage);
          this.post({ type: 'progress', stage: event.stage, status: event.status });
          if (event.status !== 'running') this.scheduleReload();
        } else if (event.type === 'progress' && this.runningStages.has(event.stage)) {
          this.post({
            type: 'progress',
            stage: event.stage,
            done: event.done,
            total: event.total,
            message: event.message,
          });
        }
      }),
    );
    panel.onDidDispose(() => {
      RunPanel.panels.delete(key);
      this.dispose();
    });
  }

  /** Asks the view to show one sample; the gallery keeps the request until its data has arrived. */
  focusSample(sampleId: number, findSimilar = false): void {
    const message: FocusSample = { type: 'focusSample', sampleId, ...(findSimilar ? { findSimilar } : {}) };
    // A panel made a moment ago has no script listening yet, and VS Code drops what is posted before:
    // the request waits for the view's ready.
    if (this.viewReady) this.post(message);
    else this.pendingFocus = message;
  }

  private async onViewMessage(raw: unknown): Promise<void> {
    await this.onMessage(raw);
    if ((raw as { type?: unknown } | undefined)?.type !== 'ready') return;
    this.viewReady = true;
    if (this.pendingFocus !== undefined) this.post(this.pendingFocus);
    this.pendingFocus = undefined;
  }

  private post(message: HostToView): void {
    void this.panel.webview.postMessage(message);
  }

  private scheduleReload(): void {
    if (!this.panel.visible) {
      this.stale = true;
      return;
    }
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.sendData(), RELOAD_DELAY_MS);
  }

  private toUrl = (relative: string): string =>
    this.panel.webview.asWebviewUri(vscode.Uri.file(path.join(this.runDir, relative))).toString();

  private readonly sampleActions: SampleActions = {
    serve: async (sampleId) => {
      const served = await this.services.engine.request('sample', { run: this.runDir, sample: sampleId });
      this.servedSources.set(sampleId, served.file);
      return served;
    },
    reveal: async (sampleId) => {
      const file = this.servedSources.get(sampleId);
      if (!file) throw new Error('its source is revealed once the sample view has shown it');
      const uri = vscode.Uri.file(file);
      // The Explorer where the file is part of the workspace, else the system's file manager.
      const command = vscode.workspace.getWorkspaceFolder(uri) ? 'revealInExplorer' : 'revealFileInOS';
      await vscode.commands.executeCommand(command, uri);
    },
    open: async (sampleId) => {
      await vscode.commands.executeCommand('optidel.showSample', { runDir: this.runDir, sampleId });
    },
    similar: (sampleId) => this.services.engine.request('similar', { run: this.runDir, sample: sampleId, k: 12 }),
  };

  private async sendData(): Promise<void> {
    this.stale = false;
    await this.onMessage({ type: 'ready' });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const title = VIEW_TITLES[this.kind];
    let replies: HostToView[];
    try {
      replies = await answerViewMessage(this.runDir, this.kind, raw, this.toUrl, this.sampleActions);
    } catch (err) {
      replies = [{ type: 'error', message: (err as Error).message }];
    }
    for (const reply of replies) {
      if (reply.type === 'data')
        for (const problem of reply.data.problems)
          this.services.log.warn(`${title} (${reply.data.runName}): skipped ${problem}`);
      if (reply.type === 'error') this.services.log.error(`${title}: ${reply.message}`);
      if (reply.type === 'saved')
        this.services.log.info(
          `saved manual curation for ${reply.method}: ${reply.include.length} included, ${reply.exclude.length} excluded`,
        );
      this.post(reply);
    }
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }

  /** Serializers that reopen every run view after a restart, from the run folder kept in webview state. */
  static registerSerializers(services: HostServices): vscode.Disposable[] {
    return VIEW_KINDS.map((kind) =>
      vscode.window.registerWebviewPanelSerializer(viewType(kind), {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
          const runDir = (state as { runDir?: unknown } | undefined)?.runDir;
          // The state was written by a webview that renders the user's files: no network path is looked at.
          if (typeof runDir !== 'string' || isUncLike(runDir) || !isRunFolder(runDir)) {
            panel.dispose();
            return;
          }
          new RunPanel(services, kind, path.resolve(runDir), panel);
        },
      }),
    );
  }
}

function title(kind: ViewKind, runDir: string): string {
  return `${VIEW_TITLES[kind]}: ${path.basename(runDir)}`;
}

function webviewOptions(services: HostServices, runDir: string): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  const ext = services.context.extensionUri;
  return {
    enableScripts: true,
    // State survives hiding through setState; keeping hidden webviews alive would hold 100k points in memory.
    retainContextWhenHidden: false,
    localResourceRoots: [
      vscode.Uri.joinPath(ext, 'dist', 'webview'),
      vscode.Uri.joinPath(ext, 'media'),
      vscode.Uri.file(runDir),
    ],
  };
}
