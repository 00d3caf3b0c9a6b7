/** What every host command can use; built once in activate(). */
import type * as vscode from 'vscode';
import type { EngineService } from './engineProcess/engineService';
import type { RunsTreeProvider } from './views/runsTree';
import type { Notifier } from './notify';

export interface HostServices {
  context: vscode.ExtensionContext;
  engine: EngineService;
  runs: RunsTreeProvider;
  log: vscode.LogOutputChannel;
  /** Every notification goes through it (src/host/notify.ts says why). */
  notify: Notifier;
}

export interface HostCommand {
  /** The id declared in package.json's contributes.commands. */
  id: string;
  run(services: HostServices, ...args: unknown[]): unknown;
}
