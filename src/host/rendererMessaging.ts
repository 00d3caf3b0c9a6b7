/**
 * The extension-host side of the notebook renderer's messaging (`requiresMessaging: "optional"`;
 * message shapes in src/shared/rendererMessages.ts).
 *
 * - "Open in Gallery" in an output: the renderer sends { type: 'openGallery', runDir, sampleId };
 *   when src/host/notebookGallery.ts accepts the folder we run the gallery's command
 *   `optidel.openGallery` with { runDir, sampleId }.
 * - TEST ONLY: the command `optidel.test.getRenderedOutputs` asks the renderer of a notebook what
 *   it drew (the pattern of vscode-jupyter's test renderer messages), so integration tests in a
 *   real VS Code can assert on the DOM inside the notebook webview:
 *
 *     const outputs: RenderedOutput[] = await vscode.commands.executeCommand(
 *       'optidel.test.getRenderedOutputs', { notebook?: string (URI; default the active notebook), outputId?: string, timeoutMs?: number (default 5000) });
 *     // each: { outputId, status: 'rendered' | 'error', text, html, counts: { samples, shown, thumbnails }, scatterInkPixels? }
 *
 *   It rejects when no renderer is loaded in that notebook yet (outputs render when they scroll
 *   into view: retry) or when the renderer does not answer in time. The command exists only when
 *   the extension runs in development or test mode, or when OPTIDEL_TEST_HOOKS=1 or
 *   OPTIDEL_TEST_ENTRY (set by the integration runner, scripts/vscode/testVscode.ts) is in the
 *   environment of the extension host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  RenderedOutputRequests,
  parseRendererMessage,
  type OpenGalleryMessage,
  type RenderedOutput,
  type RendererToHost,
} from '../shared/rendererMessages';
import type { HostServices } from './services';
import { galleryAction } from './notebookGallery';
import { escapeForLog } from './notify';
import { runsFolders } from './settings';

export const RENDERER_ID = 'optidel.subset-renderer';
export const TEST_COMMAND = 'optidel.test.getRenderedOutputs';

export function registerRendererMessaging(services: HostServices): vscode.Disposable[] {
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  const requests = new RenderedOutputRequests();
  const disposables: vscode.Disposable[] = [
    messaging.onDidReceiveMessage(({ editor, message }) => {
      let parsed: RendererToHost;
      try {
        parsed = parseRendererMessage(message);
      } catch (err) {
        services.log.warn(
          `notebook renderer: ignored a message (${(err as Error).message}): ${JSON.stringify(message).slice(0, 200)}`,
        );
        return;
      }
      if (parsed.type === 'openGallery') void openGalleryAt(parsed, editor.notebook.uri, services);
      else requests.answer(parsed);
    }),
  ];
  if (testHooksEnabled(services.context)) {
    disposables.push(
      vscode.commands.registerCommand(
        TEST_COMMAND,
        (options?: { notebook?: string; outputId?: string; timeoutMs?: number }) =>
          renderedOutputs(messaging, requests, options ?? {}),
      ),
    );
  }
  return disposables;
}

function testHooksEnabled(context: vscode.ExtensionContext): boolean {
  return (
    context.extensionMode !== vscode.ExtensionMode.Production ||
    process.env.OPTIDEL_TEST_HOOKS === '1' ||
    !!process.env.OPTIDEL_TEST_ENTRY
  );
}

async function openGalleryAt(message: OpenGalleryMessage, notebook: vscode.Uri, services: HostServices): Promise<void> {
  const action = galleryAction(
    message,
    {
      notebookDir: notebook.scheme === 'file' ? path.dirname(notebook.fsPath) : undefined,
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      runsFolders: runsFoldersOrNone(services),
    },
    fs.existsSync,
  );
  if (action.kind === 'refuse') {
    void services.notify.show('warn', action.message, [action.detail]);
    return;
  }
  // { runDir, sampleId }: the gallery opens on this run and shows the sample; its errors are the command's to show.
  await vscode.commands.executeCommand('optidel.openGallery', {
    runDir: action.runDir,
    sampleId: action.sampleId,
    findSimilar: message.findSimilar === true,
  });
}

/** The runs folders, or none when the setting is refused (the workspace folders still count). */
function runsFoldersOrNone(services: HostServices): string[] {
  try {
    return runsFolders();
  } catch (err) {
    services.log.warn(escapeForLog((err as Error).message));
    return [];
  }
}

async function renderedOutputs(
  messaging: vscode.NotebookRendererMessaging,
  requests: RenderedOutputRequests,
  options: { notebook?: string; outputId?: string; timeoutMs?: number },
): Promise<RenderedOutput[]> {
  const editor = options.notebook
    ? vscode.window.visibleNotebookEditors.find((e) => e.notebook.uri.toString() === options.notebook)
    : vscode.window.activeNotebookEditor;
  if (!editor)
    throw new Error(
      options.notebook ? `no visible notebook editor shows ${options.notebook}` : 'no notebook editor is active',
    );
  const { message, reply } = requests.create(options.outputId, options.timeoutMs ?? 5000);
  const delivered = await messaging.postMessage(message, editor);
  if (!delivered)
    requests.fail(
      message.requestId,
      `no OptiDEL renderer is loaded in ${editor.notebook.uri.toString()} yet (its outputs render when visible): retry`,
    );
  return reply;
}
