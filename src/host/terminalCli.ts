/**
 * The `optidel` command line in VS Code's integrated terminals: a small launcher in the
 * extension's global storage runs the bundled engine (dist/engine/main.js) with the same Node the
 * engine process uses (optidel.engine.nodePath, else VS Code's own, as Node), and that folder is
 * put first on PATH for new terminals. No download and no registry package: `npx optidel` would
 * fetch and run whatever package holds that name. Off with optidel.terminal.addCliToPath.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { launcher } from './cliLauncher';
import { engineSettings } from './settings';

export function registerTerminalCli(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
  const update = () => {
    const collection = context.environmentVariableCollection;
    collection.clear();
    if (!vscode.workspace.getConfiguration('optidel.terminal').get<boolean>('addCliToPath', true)) return;
    const bin = path.join(context.globalStorageUri.fsPath, 'bin');
    const engine = path.join(context.extensionUri.fsPath, 'dist', 'engine', 'main.js');
    const file = launcher(process.platform, engineSettings().nodePath || process.execPath, engine);
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, file.name), file.text, { mode: file.mode });
    collection.description = 'Puts the optidel command line of this extension first on PATH';
    collection.prepend('PATH', bin + path.delimiter);
  };
  // The terminal is a convenience: a launcher that cannot be written never stops activation or a settings change.
  const safely = () => {
    try {
      update();
    } catch (err) {
      log.warn(`the terminal's optidel command was not set up: ${(err as Error).message}`);
    }
  };
  safely();
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('optidel.terminal') || e.affectsConfiguration('optidel.engine.nodePath')) safely();
  });
}
