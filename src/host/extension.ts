/**
 * Activation stays light: no TensorFlow.js here. The engine process starts on the first command
 * that needs it, never in an untrusted workspace.
 */
import * as vscode from 'vscode';
import { EngineService } from './engineProcess/engineService';
import { RunsTreeProvider } from './views/runsTree';
import { HOST_COMMANDS } from './commands';
import { RunPanel } from './panels/runPanel';
import { registerRendererMessaging } from './rendererMessaging';
import type { HostServices } from './services';

export function activate(context: vscode.ExtensionContext): HostServices {
  const log = vscode.window.createOutputChannel('OptiDEL', { log: true });
  const engine = new EngineService(context.extensionUri, log);
  const runs = new RunsTreeProvider();
  const services: HostServices = { context, engine, runs, log };

  context.subscriptions.push(
    log,
    engine,
    runs,
    vscode.window.registerTreeDataProvider('optidel.runs', runs),
    ...RunPanel.registerSerializers(services),
    ...registerRendererMessaging(services),
    vscode.commands.registerCommand('optidel.refreshRuns', () => runs.refresh()),
    ...HOST_COMMANDS.map((command) =>
      vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
        try {
          return await command.run(services, ...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          log.error(`${command.id}: ${message}`);
          if (!/cancelled/.test(message)) void vscode.window.showErrorMessage(`OptiDEL: ${message}`, 'Show Log').then((pick) => pick && log.show());
          return undefined;
        }
      }),
    ),
  );
  return services;
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the engine process.
}
