/**
 * OptiDEL activates where it has something to do and nowhere else. The driver opens two folders:
 * the demo workspace (an optidel.json: OptiDEL activates at startup by itself) and an empty one
 * (OPTIDEL_TEST_FOLDER_KIND=empty: nothing activates until an OptiDEL command is run). The test
 * harness does not depend on OptiDEL, so only the manifest's activation events can activate it.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';

const EMPTY_FOLDER = process.env.OPTIDEL_TEST_FOLDER_KIND === 'empty';

suite('workspace activation', () => {
  if (EMPTY_FOLDER) {
    test('a folder without optidel.json or runs activates nothing, and an OptiDEL command activates it', async () => {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is installed`);
      assert.deepEqual(await vscode.workspace.findFiles('**/optidel.json'), [], 'the folder holds no optidel.json');
      // The harness runs after startup finished, when every workspaceContains event has been decided.
      assert.equal(extension.isActive, false, 'OptiDEL activated in a folder it has nothing to do in');
      await vscode.commands.executeCommand('optidel.refreshRuns');
      assert.equal(extension.isActive, true, 'its own command activates it');
    });
  } else {
    test('a folder holding optidel.json activates OptiDEL at startup without any command', async () => {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is installed`);
      assert.ok((await vscode.workspace.findFiles('**/optidel.json')).length > 0, 'the demo folder has a config');
      await waitFor('OptiDEL to activate on workspaceContains', () => extension.isActive || undefined);
    });

    test('the manifest reaches the extension with its %key% strings resolved from package.nls.json', () => {
      // The host names a failed command by its manifest title (extension.ts): it must be the text.
      const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
      const titles: string[] = manifest.contributes.commands.map((c: { title: string }) => c.title);
      assert.ok(titles.includes('Run Pipeline'), titles.join(', '));
      assert.deepEqual(
        titles.filter((t) => t.startsWith('%')),
        [],
      );
      assert.doesNotMatch(manifest.displayName, /^%/);
    });
  }
});
