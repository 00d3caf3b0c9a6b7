/**
 * The four "Open …" commands share one shape: find the run (the Runs view item that was clicked, a
 * folder URI or path, else a pick among the workspace's runs) and show the view for it.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostCommand } from '../services';
import type { ViewKind } from '../../shared/viewMessages';
import { VIEW_TITLES } from '../../shared/viewMessages';
import { listRuns } from '../../shared/node/runStore';
import { runsRoot } from '../settings';
import { RunPanel } from './runPanel';

export function runViewCommand(id: string, kind: ViewKind): HostCommand {
  return {
    id,
    async run(services, arg) {
      const runDir = runDirFromArgument(arg) ?? (await pickRun(VIEW_TITLES[kind]));
      if (!runDir) return undefined;
      if (!fs.existsSync(path.join(runDir, 'run.json'))) throw new Error(`${runDir} is not an OptiDEL run folder (no run.json)`);
      const panel = RunPanel.show(services, kind, runDir);
      const sampleId = (arg as { sampleId?: unknown } | undefined)?.sampleId;
      if (typeof sampleId === 'number' && Number.isInteger(sampleId) && sampleId >= 0) panel.focusSample(sampleId);
      return runDir;
    },
  };
}

/** A Runs-view node ({ dir }), a renderer request ({ runDir, sampleId }), a folder Uri, or a path string. */
export function runDirFromArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const { dir, runDir } = (arg ?? {}) as { dir?: unknown; runDir?: unknown };
  if (typeof runDir === 'string') return runDir;
  return typeof dir === 'string' ? dir : undefined;
}

async function pickRun(what: string): Promise<string | undefined> {
  const root = runsRoot();
  const runs = root ? (await listRuns(root)).filter((r) => r.record) : [];
  if (runs.length === 0) throw new Error(`no OptiDEL runs found in ${root ?? 'the workspace (open a folder first)'}; run the pipeline first`);
  if (runs.length === 1) return runs[0]!.dir;
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: path.basename(r.dir), description: r.record!.createdAt, dir: r.dir })),
    { title: `OptiDEL: ${what}`, placeHolder: 'Which run?' },
  );
  return pick?.dir;
}
