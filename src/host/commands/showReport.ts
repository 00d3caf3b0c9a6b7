/**
 * "OptiDEL: Show Report": a benchmark's report.md (tables, plots, every cell) in the Markdown
 * preview, with the segmentation results view one click away.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS } from '../../shared/artifacts';
import { HostError } from '../notify';
import { pickWorkspaceRun, runDirFromArgument } from '../panels/openRunView';
import type { HostCommand } from '../services';

export const showReport: HostCommand = {
  id: 'optidel.showReport',
  async run(services, arg) {
    const runDir = runDirFromArgument(arg) ?? (await pickBenchRun());
    if (!runDir) return undefined;
    const file = path.join(runDir, ARTIFACTS.benchReportMarkdown);
    if (!fs.existsSync(file)) {
      throw new HostError(
        `this run has no benchmark report (${ARTIFACTS.benchReportMarkdown} is missing); run "OptiDEL: Run Benchmark" first`,
        runDir,
      );
    }
    await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(file));
    const segmentation = 'Open Segmentation Results';
    void services.notify
      .info('OptiDEL: the benchmark report is open in the Markdown preview.', segmentation)
      .then((pick) => {
        if (pick) void vscode.commands.executeCommand('optidel.openSegmentation', runDir);
      });
    return file;
  },
};

function pickBenchRun(): Promise<string | undefined> {
  const none =
    'no benchmark reports in the runs folder (setting optidel.runsFolder); run "OptiDEL: Run Benchmark" first';
  return pickWorkspaceRun(
    (r) => fs.existsSync(path.join(r.dir, ARTIFACTS.benchReportMarkdown)),
    none,
    'Show Report',
    'Which benchmark?',
  );
}
