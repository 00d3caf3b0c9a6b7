/**
 * The engine as the rest of the extension sees it: one process started on first use with the
 * current settings, its events fed to the log channel (at their levels, within bounds), its backend
 * shown in the status bar, and every command run inside a cancellable progress notification. A change
 * of the engine settings retires the running engine (engineRestart.ts): never killed without asking.
 */
import * as vscode from 'vscode';
import { notificationText } from '../notify';
import * as path from 'node:path';
import type { CommandArgs, CommandName, CommandResult } from '../../shared/commands';
import type { EngineInfo } from '../../shared/engineInfo';
import type { EngineEvent } from '../../shared/protocol';
import { EngineClient, EngineError } from '../../shared/node/engineClient';
import { engineSettings } from '../settings';
import { EngineLog } from './engineLog';
import { retireEngine, type RestartChoice } from './engineRestart';
import { StageWatch } from './stageWatch';
import { assertEngineMayStart } from '../workspaceTrust';
import { ProgressMeter, type ProgressPlan } from '../progress/progressMeter';

export class EngineService implements vscode.Disposable {
  private client?: EngineClient;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly eventEmitter = new vscode.EventEmitter<EngineEvent>();
  /** Every event the engine sends (progress, metrics, stage changes), for views that update live. */
  readonly onEvent = this.eventEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly engineLog: EngineLog;
  /** Engines left to finish their commands after a settings change; ended with this service. */
  private readonly retiring = new Set<EngineClient>();
  /** The workspace has an optidel.json or runs (workspaceRelevance.ts). */
  private relevant = false;
  private commandsRunning = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.engineLog = new EngineLog(log);
    this.statusItem = vscode.window.createStatusBarItem('optidel.backend', vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'OptiDEL Engine';
    this.statusItem.command = 'optidel.showEngineInfo';
    this.setStatus('$(circle-outline) OptiDEL', 'The engine starts on first use');
    this.disposables.push(
      this.statusItem,
      this.eventEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('optidel.engine')) void this.onSettingsChanged();
      }),
    );
  }

  /** The status bar item shows only where OptiDEL has something to say: a config, runs, or a running command. */
  setRelevant(relevant: boolean): void {
    this.relevant = relevant;
    this.updateStatusVisibility();
  }

  private updateStatusVisibility(): void {
    if (this.relevant || this.commandsRunning > 0) this.statusItem.show();
    else this.statusItem.hide();
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
    this.log.info(
      `starting engine: ${settings.nodePath || process.execPath} ${path.basename(enginePath)} (backend ${settings.backend})`,
    );
    // Each engine has its own watch: one that ends marks only the stages it was running.
    const stageWatch = new StageWatch();
    const client: EngineClient = new EngineClient({
      enginePath,
      nodePath: settings.nodePath || undefined,
      modulePaths: settings.modulePaths,
      libraryPaths: settings.libraryPaths,
      backend: settings.backend,
      onEvent: (event) => {
        stageWatch.observe(event);
        this.onEngineEvent(event);
      },
      onStderr: (line) => this.engineLog.stderr(line),
      onExit: (description) => {
        this.engineLog.flush();
        const planned = this.retiring.delete(client);
        this.log[planned ? 'info' : 'warn'](`engine stopped (${description})`);
        void stageWatch.engineExited(description).then((marked) => {
          for (const entry of marked) this.log.error(`stage marked failed, the engine ended while it ran: ${entry}`);
        });
        if (this.client !== client && this.client) return; // a newer engine already serves
        this.client = undefined;
        this.setStatus('$(circle-outline) OptiDEL', `The engine stopped (${description}); it restarts on next use`);
      },
    });
    this.client = client;
    // Ask once which backend it chose, so the status bar says it without anyone opening Engine Info.
    client.request('info', {}).result.then(
      (info) => this.showBackend(info),
      () => undefined, // a failed start is reported by the command that needed the engine
    );
    return client;
  }

  /** The engine settings changed: the running engine is retired, asking first if it is busy. */
  private async onSettingsChanged(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) {
      this.log.info('engine settings changed; they apply when the engine starts');
      return;
    }
    this.retiring.add(client);
    await retireEngine(
      client,
      (running) => this.askRestart(running),
      (message) => this.log.info(message),
    );
  }

  private async askRestart(running: string[]): Promise<RestartChoice> {
    const now = 'Restart now';
    const count = running.length === 1 ? '1 running command' : `${running.length} running commands`;
    const choice = await vscode.window.showWarningMessage(
      'OptiDEL engine settings changed. Restart the engine now?',
      {
        modal: true,
        detail:
          `Restart now cancels ${count} (${running.join(', ')}); pre-training saves a checkpoint first and ` +
          'resumes from it when run again. Later lets them finish on the current engine; new commands use the new ' +
          'settings either way.',
      },
      now,
      'Later',
    );
    return choice === now ? 'now' : 'later';
  }

  showBackend(info: EngineInfo): void {
    const gpu = info.backend === 'tensorflow' || info.backend === 'webgpu';
    this.setStatus(
      `${gpu ? '$(rocket)' : '$(chip)'} OptiDEL: ${info.backend}`,
      `OptiDEL engine on ${info.backend}; click for details`,
    );
  }

  private onEngineEvent(event: EngineEvent): void {
    switch (event.type) {
      case 'log':
        this.engineLog.message(event.level, event.message);
        break;
      case 'metric':
        this.engineLog.message('info', `[${event.stage}] ${event.name}=${formatMetric(event.value, event.step)}`);
        break;
      case 'stage':
        this.engineLog.message('info', `stage ${event.stage}: ${event.status} (${event.runDir})`);
        break;
      case 'cancelling':
        if (event.phase === 'checkpointing') {
          this.engineLog.message('info', event.message ?? 'saving a checkpoint before stopping');
        }
        break;
      default:
        break;
    }
    this.eventEmitter.fire(event);
  }

  /**
   * Runs one engine command under a cancellable progress notification; errors are shown and
   * rethrown. `plan` weights a pipeline's stages on the bar (progressMeter.ts).
   */
  async run<N extends CommandName>(
    command: N,
    args: CommandArgs<N>,
    title: string,
    plan?: ProgressPlan,
  ): Promise<CommandResult<N>> {
    const client = this.ensureClient();
    this.commandsRunning += 1;
    this.updateStatusVisibility();
    try {
      return await this.withProgress(client, command, args, title, plan);
    } finally {
      this.commandsRunning -= 1;
      this.updateStatusVisibility();
    }
  }

  private withProgress<N extends CommandName>(
    client: EngineClient,
    command: N,
    args: CommandArgs<N>,
    title: string,
    plan: ProgressPlan | undefined,
  ): Thenable<CommandResult<N>> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const request = client.request(command, args);
        const cancelSub = token.onCancellationRequested(() => {
          this.log.info(`cancelling ${command}…`);
          request.cancel();
        });
        const meter = new ProgressMeter(plan);
        let shown = 0;
        const progressSub = this.onEvent((event) => {
          if (event.type === 'cancelling' && event.requestId === request.id && event.phase === 'checkpointing') {
            progress.report({ message: 'saving a checkpoint before stopping…' });
          }
          if (event.type !== 'progress' || event.requestId !== request.id) return;
          const fraction = meter.update(event);
          const increment = (fraction - shown) * 100;
          shown = fraction;
          // Engine text (a data set name from the config) is defused before it reaches a notification.
          progress.report({
            message: notificationText(
              `${event.stage}${event.message ? `: ${event.message}` : ''} (${event.done}/${event.total})`,
            ),
            increment,
          });
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
    const clients = [this.client, ...this.retiring].filter((c): c is EngineClient => c !== undefined);
    this.client = undefined;
    await Promise.all(clients.map((c) => c.dispose()));
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables) d.dispose();
  }
}

function formatMetric(value: number, step: number | undefined): string {
  return formatNumber(value) + (step === undefined ? '' : ` step=${step}`);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(5);
}
