/** The installed extension activates, registers what package.json declares, and keeps TensorFlow.js out of the extension host. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateOptidel, EXTENSION_ID } from './helpers';

interface Contributes {
  commands: Array<{ command: string }>;
  views: Record<string, Array<{ id: string }>>;
}

suite('extension', () => {
  test('activates from the installed package', async () => {
    const services = await activateOptidel();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)!.isActive);
    assert.ok(services.engine, 'activate() returns the host services');
  });

  test('registers every command package.json declares', async () => {
    await activateOptidel();
    const contributes = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes as Contributes;
    const declared = contributes.commands.map((c) => c.command);
    assert.ok(declared.includes('optidel.showEngineInfo'));
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      declared.filter((id) => !registered.has(id)),
      [],
      'declared but not registered',
    );
  });

  test('every declared view can be opened', async () => {
    await activateOptidel();
    const contributes = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes as Contributes;
    const views = Object.values(contributes.views).flat();
    assert.ok(views.some((v) => v.id === 'optidel.runs'));
    // The workbench registers `<view id>.focus` for every contributed view; focusing it resolves the view.
    for (const view of views) await vscode.commands.executeCommand(`${view.id}.focus`);
  });

  test('activation does not load TensorFlow.js into the extension host', async () => {
    await activateOptidel();
    // tfjs-core keeps its engine on the global object the moment it is imported (and every extension
    // shares this host): its absence means no TensorFlow.js here, bundled or required.
    const global = globalThis as Record<string, unknown>;
    assert.equal(global._tfengine, undefined, 'TensorFlow.js was loaded into the extension host');
    assert.deepEqual(
      Object.keys(require.cache).filter((file) => /@tensorflow|[\\/]dist[\\/]engine[\\/]/.test(file)),
      [],
    );
  });
});
