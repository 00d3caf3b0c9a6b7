/**
 * "OptiDEL: Add to Pool" on a folder in the explorer: the folder becomes an entry of the `pool` of
 * the optidel.json of its workspace folder (a pick when there are several), as an edit that
 * can be undone, then saved. The next ingest reads it.
 */
import * as vscode from 'vscode';
import { HostError } from '../notify';
import { addPoolEntry, poolEntryFor } from '../poolEntry';
import type { HostCommand } from '../services';
import { CONFIG_FILE_NAME, findConfigFiles, pickConfigFile } from '../workspaceConfig';

export const addToPool: HostCommand = {
  id: 'optidel.addToPool',
  async run(services, arg) {
    if (!(arg instanceof vscode.Uri) || arg.scheme !== 'file') {
      throw new HostError('choose a folder in the explorer, then "OptiDEL: Add to Pool" from its context menu');
    }
    const folder = arg.fsPath;
    const holding = vscode.workspace.getWorkspaceFolder(arg);
    const configs = await findConfigFiles(holding ? [holding] : (vscode.workspace.workspaceFolders ?? []));
    if (configs.length === 0) {
      throw new HostError(`no ${CONFIG_FILE_NAME} in this workspace folder: create one with { "pool": [] } first`);
    }
    const config = await pickConfigFile(configs, 'OptiDEL: Add to Pool');
    if (!config) return undefined;
    const entry = poolEntryFor(config, folder);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(config));
    const { text, added } = addPoolEntry(document.getText(), config, entry);
    if (!added) {
      services.log.info(`add to pool: ${config} already lists ${entry}`);
      await services.notify.info('OptiDEL: the pool already holds this folder.');
      return config;
    }
    const edit = new vscode.WorkspaceEdit();
    const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
    edit.replace(document.uri, whole, text);
    if (!(await vscode.workspace.applyEdit(edit)) || !(await document.save())) {
      throw new HostError(`could not write ${CONFIG_FILE_NAME}: is it read-only?`, config);
    }
    services.log.info(`add to pool: ${entry} added to ${config}`);
    void services.notify.info('OptiDEL: the folder was added to the pool; the next ingest reads it.');
    return config;
  },
};
