/**
 * The workspace's `optidel.json`: found at a workspace folder's root or below it (a pick when
 * there are several), or, when there is none, created on request together with the demo data set
 * (`optidel demo-data`), so a first run needs nothing but a folder.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostServices } from './services';
import { HostError } from './notify';

export const CONFIG_FILE_NAME = 'optidel.json';
/** Where the demo data set is written inside the first workspace folder. */
export const DEMO_FOLDER = 'optidel-demo';

/** An optidel.json a menu passed (explorer or editor title), else undefined. */
export function configFromArgument(arg: unknown): string | undefined {
  return arg instanceof vscode.Uri && arg.scheme === 'file' && path.basename(arg.fsPath) === CONFIG_FILE_NAME
    ? arg.fsPath
    : undefined;
}

/**
 * The config file the commands should use: the one a menu passed, else the workspace's, or
 * undefined when the user declined to create one.
 */
export async function findWorkspaceConfig(
  services: Pick<HostServices, 'engine' | 'log' | 'notify'>,
  options: { title?: string; given?: unknown } = {},
): Promise<string | undefined> {
  const given = configFromArgument(options.given);
  if (given) return given;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    throw new HostError(
      'OptiDEL needs a workspace folder: open the folder holding your optidel.json (or an empty one for the demo data)',
    );
  }
  const found = await findConfigFiles(folders);
  if (found.length === 0) return offerDemoConfig(services, folders[0].uri.fsPath);
  return pickConfigFile(found, options.title);
}

/** The one file, or a pick among several; undefined when the pick is dismissed. */
export async function pickConfigFile(files: readonly string[], title = 'OptiDEL'): Promise<string | undefined> {
  if (files.length <= 1) return files[0];
  const pick = await vscode.window.showQuickPick(
    files.map((file) => ({ label: vscode.workspace.asRelativePath(file), file })),
    { title, placeHolder: 'Which optidel.json?' },
  );
  return pick?.file;
}

/** The optidel.json files at the workspace folders' roots, else those below them. */
export async function findConfigFiles(folders: readonly vscode.WorkspaceFolder[]): Promise<string[]> {
  const atRoot = folders.map((f) => path.join(f.uri.fsPath, CONFIG_FILE_NAME)).filter((f) => fs.existsSync(f));
  if (atRoot.length > 0) return atRoot;
  const below = await vscode.workspace.findFiles(`**/${CONFIG_FILE_NAME}`, '**/{node_modules,.git,.optidel}/**', 20);
  return below.map((u) => u.fsPath).sort();
}

async function offerDemoConfig(services: Pick<HostServices, 'engine' | 'log' | 'notify'>, folder: string) {
  const create = 'Create Demo Data';
  const answer = await services.notify.ask(
    `There is no ${CONFIG_FILE_NAME} in this workspace. Create one with OptiDEL's synthetic demo data (CT and MRI volumes, X-ray frames and label maps, about 20 MB) in ${DEMO_FOLDER}/?`,
    `To use your own data instead, create ${CONFIG_FILE_NAME} with a "pool" listing your image folders, ` +
      'volumes (NIfTI, Analyze, MetaImage, NRRD) or DICOM series.',
    create,
  );
  if (answer !== create) return undefined;
  const out = path.join(folder, DEMO_FOLDER);
  const result = await services.engine.run('demo-data', { out, size: 'small' }, 'OptiDEL: writing the demo data');
  services.log.info(`demo data: ${result.files} files in ${out} (${result.seconds.toFixed(1)} s)`);
  await vscode.window.showTextDocument(vscode.Uri.file(result.configFile), { preview: true });
  return result.configFile;
}
