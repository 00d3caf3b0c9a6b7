/**
 * The engine as the rest of the extension sees it: one process started on first use with the
 * current settings, its events fed to the log channel, its backend shown in the status bar, and
 * every command run inside a cancellable progress notification.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { CommandArgs, CommandName, CommandResult } from '../../shared/commands';
import type { EngineInfo } from '../../shared/engineInfo';
import type { EngineEvent } from '../../shared/protocol';
import { EngineClient, EngineError } from '../../shared/node/engineClient';
import { engineSettings } from '../settings';
import { StageWatch } from './stageWatch';
import { assertEngineMayStart } from '../workspaceTrust';

export class EngineService implements vscode.Disposable {
  private client?: EngineClient;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly eventEmitter = new vscode.EventEmitter<EngineEvent>();
  /** Every event the engine sends (progress, metrics, stage changes), for views that update live. */
  readonly onEvent = this.eventEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly stageWatch = new StageWatch();

  constructor(
    private readonly extensionUri: vscode.Uri,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('optidel.backend', vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'OptiDEL Engine';
    this.statusItem.command = 'optidel.showEngineInfo';
    this.setStatus('$(circle-outline) OptiDEL', 'The engine starts on first use');
    this.statusItem.show();
    this.disposables.push(
      this.statusItem,
      this.eventEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('optidel.engine')) {
          this.log.info('engine settings changed; the engine restarts on next use');
          void this.stop();
        }
      }),
    );
  }

  setStatus(text: string, tooltip: string): void {
    this.statusItem.text = text;
    this.statusItem.tooltip = tooltip;
  }

  private ensureClient(): EngineClient {
    assertEngineMayStart(vscode.workspace.isTrusted);
    if (this.client) return this.client;
    const settings = engineSettings();
    const enginePath = vscode.Uri.joinPath(this.extensionUri, 'dist', 'engine', 'main.js').fsPath;
    this.log.info(`starting engine: ${settings.nodePath || process.execPath} ${path.basename(enginePath)} (backend ${settings.backend})`);
    this.client = new EngineClient({
      enginePath,
      nodePath: settings.nodePath || undefined,
      modulePaths: settings.modulePaths,
      libraryPaths: settings.libraryPaths,
      backend: settings.backend,
      onEvent: (event) => this.onEngineEvent(event),
      onStderr: (line) => this.log.warn(`[engine] ${line}`),
      onExit: (description) => {
        this.client = undefined;
        this.log.warn(`engine stopped (${description})`);
        void this.stageWatch.engineExited(description).then((marked) => {
          for (const entry of marked) this.log.error(`stage marked failed, the engine ended while it ran: ${entry}`);
        });
        this.setStatus('$(circle-outline) OptiDEL', `The engine stopped (${description}); it restarts on next use`);
      },
    });
    // Ask once which backend it chose, so the status bar says it without anyone opening Engine Info.
    this.client.request('info', {}).result.then(
      (info) => this.showBackend(info),
      () => undefined, // a failed start is reported by the command that needed the engine
    );
    return this.client;
  }

  showBackend(info: EngineInfo): void {
    const gpu = info.backend === 'tensorflow' || info.backend === 'webgpu';
    this.setStatus(`${gpu ? '$(rocket)' : '$(chip)'} OptiDEL: ${info.backend}`, `OptiDEL engine on ${info.backend}; click for details`);
  }

  private onEngineEvent(event: EngineEvent): void {
    this.stageWatch.observe(event);
    switch (event.type) {
      case 'log':
        this.log[event.level](event.message);
        break;
      case 'metric':
        this.log.info(`[${event.stage}] ${event.name}=${formatNumber(event.value)}${event.step !== undefined ? ` step=${event.step}` : ''}`);
        break;
      case 'stage':
        this.log.info(`stage ${event.stage}: ${event.status} (${event.runDir})`);
        break;
      default:
        break;
    }
    this.eventEmitter.fire(event);
  }

  /** Runs one engine command under a cancellable progress notification; errors are shown and rethrown. */
  async run<N extends CommandName>(command: N, args: CommandArgs<N>, title: string): Promise<CommandResult<N>> {
    const client = this.ensureClient();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const request = client.request(command, args);
        const cancelSub = token.onCancellationRequested(() => {
          this.log.info(`cancelling ${command}…`);
          request.cancel();
        });
        let lastFraction = 0;
        const progressSub = this.onEvent((event) => {
          if (event.type !== 'progress' || event.requestId !== request.id) return;
          const fraction = event.total > 0 ? event.done / event.total : 0;
          const increment = Math.max(0, (fraction - lastFraction) * 100);
          lastFraction = Math.max(lastFraction, fraction);
          progress.report({ message: `${event.stage}${event.message ? `: ${event.message}` : ''} (${event.done}/${event.total})`, increment });
        });
        try {
          return await request.result;
        } catch (err) {
          this.log.error(`${command} failed: ${(err as Error).message}`);
          if (err instanceof EngineError && err.detail) this.log.debug(err.detail);
          throw err;
        } finally {
          cancelSub.dispose();
          progressSub.dispose();
        }
      },
    );
  }

  /** Runs a command without UI (for the info shown in the status bar). */
  request<N extends CommandName>(command: N, args: CommandArgs<N>): Promise<CommandResult<N>> {
    return this.ensureClient().request(command, args).result;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.dispose();
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables) d.dispose();
  }
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(5);
}
