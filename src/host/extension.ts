/**
 * Activation stays light: no TensorFlow.js here. The engine process starts on the first command
 * that needs it, never in an untrusted workspace. The extension activates only where there is an
 * optidel.json or a run folder (package.json's activationEvents), or on its own commands and views.
 */
import * as vscode from 'vscode';
import { EngineService } from './engineProcess/engineService';
import { RunsTreeProvider } from './views/runsTree';
import { HOST_COMMANDS } from './commands';
import { RunPanel } from './panels/runPanel';
import { registerRendererMessaging } from './rendererMessaging';
import type { HostServices } from './services';
import { Notifier } from './notify';
import { EngineError } from '../shared/node/engineClient';
import { WorkspaceRelevance } from './workspaceRelevance';
import { runningBadge } from './views/runCapabilities';
import { registerTerminalCli } from './terminalCli';

export function activate(context: vscode.ExtensionContext): HostServices {
  const log = vscode.window.createOutputChannel('OptiDEL', { log: true });
  const engine = new EngineService(context.extensionUri, log);
  const runs = new RunsTreeProvider();
  const notify = new Notifier(vscode.window, log);
  const services: HostServices = { context, engine, runs, log, notify };
  const titles = commandTitles(context.extension.packageJSON);
  const runsView = vscode.window.createTreeView('optidel.runs', { treeDataProvider: runs, showCollapseAll: true });

  context.subscriptions.push(
    log,
    engine,
    runs,
    runsView,
    runs.onDidList((listed) => (runsView.badge = runningBadge(listed.runningStages))),
    new WorkspaceRelevance(runs, (relevant) => engine.setRelevant(relevant)),
    ...RunPanel.registerSerializers(services),
    ...registerRendererMessaging(services),
    registerTerminalCli(context, log),
    vscode.commands.registerCommand('optidel.refreshRuns', () => runs.refresh()),
    ...HOST_COMMANDS.map((command) =>
      vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
        try {
          return await command.run(services, ...args);
        } catch (err) {
          const title = titles.get(command.id) ?? command.id;
          // A cancel is the user's own choice: logged, never shown as a failure.
          if (err instanceof EngineError && err.code === 'cancelled') log.info(`${title}: cancelled`);
          else void notify.failure(title, err);
          return undefined;
        }
      }),
    ),
  );
  return services;
}

/** Command id to its title in the manifest ("Ingest Pool"): the host's own text, safe to show. */
function commandTitles(manifest: { contributes?: { commands?: Array<{ command: string; title: string }> } }) {
  return new Map((manifest.contributes?.commands ?? []).map((c) => [c.command, c.title]));
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the engine process.
}
