/** The notebook renderer draws an exported subset in a real notebook editor and answers the host's test message with what it drew. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RenderedOutput } from '../../src/shared/rendererMessages';
import { makeRunFixture } from '../fixtures/makeRunFixture';
import { activateOptidel, waitFor, workspaceDir } from './helpers';

const TEST_COMMAND = 'optidel.test.getRenderedOutputs';

suite('notebook renderer', () => {
  let runDir: string;

  suiteSetup(() => {
    runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-renderer-run-')), 'run');
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(path.dirname(runDir), { recursive: true, force: true });
  });

  test('renders an exported subset and answers with its DOM', async () => {
    const services = await activateOptidel();
    makeRunFixture(runDir, { samples: 120, methods: ['optidel', 'random'] });
    const notebookFile = path.join(workspaceDir(), 'subset-renderer-test.ipynb');
    const exported = await services.engine.run(
      'export',
      { run: runDir, out: notebookFile, format: 'ipynb' },
      'OptiDEL: exporting a subset (integration test)',
    );
    assert.equal(exported.method, 'optidel');

    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(notebookFile));
    await vscode.window.showNotebookDocument(notebook);
    // Outputs render once their webview has loaded: ask until the renderer answers.
    const outputs = await waitFor(
      'the renderer to answer the test message',
      async () => {
        try {
          const answer = await vscode.commands.executeCommand<RenderedOutput[]>(TEST_COMMAND, { timeoutMs: 5000 });
          return answer.length > 0 ? answer : undefined;
        } catch {
          return undefined;
        }
      },
      90_000,
    );
    assert.equal(outputs.length, 1);
    const [output] = outputs;
    assert.equal(output.status, 'rendered', output.text);
    assert.equal(output.counts.samples, exported.samples);
    assert.ok(output.counts.shown > 0, 'no sample shown');
    assert.ok(
      output.counts.thumbnails > 0 && output.counts.thumbnails <= exported.thumbnails,
      `thumbnails: ${output.counts.thumbnails} of ${exported.thumbnails}`,
    );
    assert.ok((output.scatterInkPixels ?? 0) > 0, 'the scatter plot drew nothing');
    assert.match(output.text, /optidel/i);
  });
});
