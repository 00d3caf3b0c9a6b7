/**
 * The four "Open …" commands share one shape: find the run (the Runs view item that was clicked, a
 * folder URI or path, else a pick among the workspace's runs) and show the view for it.
 */
import * as vscode from 'vscode';
import { isRunFolder } from '../../shared/node/runStore';
import * as path from 'node:path';
import type { HostCommand } from '../services';
import type { ViewKind } from '../../shared/viewMessages';
import { VIEW_TITLES } from '../../shared/viewMessages';
import { ARTIFACTS } from '../../shared/artifacts';
import { isSampleId } from '../../shared/run/names';
import { HostError } from '../notify';
import { isUncLike } from '../pathPolicy';
import { listWorkspaceRuns, type WorkspaceRun } from '../workspaceRuns';
import { RunPanel } from './runPanel';

export const NO_RUNS = 'no OptiDEL runs in the runs folder (setting optidel.runsFolder); run the pipeline first';

/** `needsSample`: the view shows one sample, so the palette asks for its id when the argument names none. */
export function runViewCommand(id: string, kind: ViewKind, needsSample = false): HostCommand {
  return {
    id,
    async run(services, arg) {
      const runDir = runDirFromArgument(arg) ?? (await pickRun(VIEW_TITLES[kind]));
      if (!runDir) return undefined;
      assertRunFolder(runDir);
      const { sampleId: given, findSimilar } = (arg ?? {}) as { sampleId?: unknown; findSimilar?: unknown };
      const sampleId = isSampleId(given) ? given : needsSample ? await askSampleId(runDir) : undefined;
      if (needsSample && sampleId === undefined) return undefined;
      const panel = RunPanel.show(services, kind, runDir);
      if (sampleId !== undefined) panel.focusSample(sampleId, findSimilar === true);
      return runDir;
    },
  };
}

async function askSampleId(runDir: string): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    title: `OptiDEL: Show Sample (${path.basename(runDir)})`,
    prompt: 'Sample id, as the gallery and cache/index.json number them',
    placeHolder: '0',
    validateInput: (text) => (/^\d+$/.test(text.trim()) ? undefined : 'a sample id is a whole number, 0 or more'),
  });
  return answer === undefined ? undefined : Number(answer.trim());
}

/**
 * A Runs-view node ({ dir }), a renderer request ({ runDir, sampleId }), a folder Uri (or that of
 * the run's bench/report.md), or a path string. A network path is refused before anything looks at it (a look sends Windows credentials).
 */
export function runDirFromArgument(arg: unknown): string | undefined {
  const { dir, runDir } = (arg ?? {}) as { dir?: unknown; runDir?: unknown };
  const given = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : (runDir ?? dir);
  if (typeof given !== 'string' || given === '') return undefined;
  if (isUncLike(given)) {
    throw new HostError('run folders on a network path are not opened; copy the run to a local folder', given);
  }
  return runDirOfReport(given) ?? given;
}

/** A benchmark's report.md (its editor title offers the segmentation view) stands for its run folder. */
function runDirOfReport(file: string): string | undefined {
  const tail = path.join(...ARTIFACTS.benchReportMarkdown.split('/'));
  return file.endsWith(`${path.sep}${tail}`) ? file.slice(0, -tail.length - 1) : undefined;
}

/** Throws unless `runDir` holds a run.json. */
export function assertRunFolder(runDir: string): void {
  if (!isRunFolder(runDir)) {
    throw new HostError('this folder is not an OptiDEL run folder (no run.json); ingest a pool first', runDir);
  }
}

/** Run folders of the workspace that `keep` accepts; none is an error `nothingFound` (which says what to run first). */
export async function workspaceRunsOrThrow(keep: (run: WorkspaceRun) => boolean, nothingFound: string) {
  const runs = (await listWorkspaceRuns()).filter(keep);
  if (runs.length === 0) throw new HostError(nothingFound);
  return runs;
}

function pickRun(what: string): Promise<string | undefined> {
  return pickWorkspaceRun((r) => !!r.record, NO_RUNS, what);
}

/** The one run `keep` accepts, or the one the user picks among several; `command` titles the pick. */
export async function pickWorkspaceRun(
  keep: (run: WorkspaceRun) => boolean,
  nothingFound: string,
  command: string,
  placeHolder = 'Which run?',
): Promise<string | undefined> {
  const runs = await workspaceRunsOrThrow(keep, nothingFound);
  if (runs.length === 1) return runs[0]!.dir;
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: path.basename(r.dir), description: r.record?.createdAt, dir: r.dir })),
    { title: `OptiDEL: ${command}`, placeHolder },
  );
  return pick?.dir;
}
