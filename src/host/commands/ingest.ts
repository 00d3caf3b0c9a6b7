/**
 * "OptiDEL: Ingest Pool": the workspace's optidel.json (created with demo data on request) is
 * ingested into a new run folder with progress and cancel; skipped files go to the log with
 * their reasons.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { newRunId } from '../../shared/node/runStore';
import type { HostCommand } from '../services';
import { runsRoot } from '../settings';
import { findWorkspaceConfig } from '../workspaceConfig';

export const ingestPool: HostCommand = {
  id: 'optidel.ingestPool',
  async run(services) {
    const config = await findWorkspaceConfig(services, { title: 'OptiDEL: Ingest Pool' });
    if (!config) return undefined;
    const root = runsRoot();
    if (!root) throw new Error('open a workspace folder first: runs are stored inside it');
    const runDir = path.join(root, newRunId());
    const { log } = services;
    try {
      const result = await services.engine.run('ingest', { config, out: runDir }, `OptiDEL: ingesting ${vscode.workspace.asRelativePath(config)}`);
      log.info(`ingest: ${result.samples} samples from ${result.sources} sources in ${result.seconds.toFixed(1)} s, ${result.emptySlicesSkipped} empty slices skipped → ${runDir}`);
      for (const s of result.skipped) log.warn(`ingest skipped ${s.path}: ${s.reason}`);
      const message = `OptiDEL: ingested ${result.samples} samples from ${result.sources} sources${result.skipped.length ? `; ${result.skipped.length} skipped (see the log)` : ''}.`;
      const action = result.skipped.length ? await vscode.window.showWarningMessage(message, 'Show Log') : await vscode.window.showInformationMessage(message);
      if (action === 'Show Log') log.show(true);
      return result;
    } finally {
      services.runs.refresh();
    }
  },
};
