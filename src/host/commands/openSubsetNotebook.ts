/**
 * "OptiDEL: Open Subset in Notebook": exports the selected subset of a run (the one given from the
 * Runs view, else the latest) as `<run>/subset.ipynb` through the engine's `export` command, and
 * opens it; the OptiDEL renderer draws its output, no kernel needed.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HostError } from '../notify';
import { NO_RUNS, assertRunFolder, runDirFromArgument } from '../panels/openRunView';
import type { HostCommand } from '../services';

export const SUBSET_NOTEBOOK_FILE = 'subset.ipynb';

export const openSubsetNotebook: HostCommand = {
  id: 'optidel.openSubsetNotebook',
  async run(services, arg) {
    const runDir = runDirFromArgument(arg) ?? (await services.runs.latestRun());
    if (!runDir) throw new HostError(NO_RUNS);
    assertRunFolder(runDir);
    const out = path.join(runDir, SUBSET_NOTEBOOK_FILE);
    const args = { run: runDir, format: 'ipynb', out } as const;
    const result = await services.engine.run('export', args, 'OptiDEL: exporting the subset as a notebook');
    for (const s of result.skipped) services.log.warn(`export skipped ${s.path}: ${s.reason}`);
    services.log.info(
      `exported ${result.samples} samples (${result.thumbnails} thumbnails, methods ${result.methods.join(', ')}) to ${result.file}`,
    );
    const document = await vscode.workspace.openNotebookDocument(vscode.Uri.file(result.file));
    await vscode.window.showNotebookDocument(document);
    return result.file;
  },
};
