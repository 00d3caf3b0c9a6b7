/** The engine process starts with the Node the settings name and reports the backend it chose. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { EngineInfo } from '../../src/shared/engineInfo';
import { activateOptidel, dismissNotificationsUntilSettled as untilSettled } from './helpers';

/** The Node the engine is configured to use: the driver passes its own, which differs from the host's. */
const ENGINE_NODE = process.env.OPTIDEL_TEST_ENGINE_NODE ?? process.execPath;
/** The backend this machine must end up on (wasm on CPU-only CI); unset: any backend that reports itself available. */
const EXPECTED_BACKEND = process.env.OPTIDEL_TEST_EXPECT_BACKEND;

suite('engine', () => {
  const settings = () => vscode.workspace.getConfiguration('optidel.engine');

  suiteSetup(async () => {
    await settings().update('nodePath', ENGINE_NODE, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await settings().update('nodePath', undefined, vscode.ConfigurationTarget.Global);
    await (await activateOptidel()).engine.stop();
  });

  test('starts with the configured Node and reports its backend', async () => {
    const services = await activateOptidel();
    const info = await untilSettled(vscode.commands.executeCommand<EngineInfo | undefined>('optidel.showEngineInfo'));
    assert.ok(info, 'optidel.showEngineInfo returned no engine info (see the OptiDEL log)');
    assert.equal(info.nodeExecutable, ENGINE_NODE);
    assert.equal(
      `v${info.nodeVersion.replace(/^v/, '')}`,
      execFileSync(ENGINE_NODE, ['--version'], { encoding: 'utf8' }).trim(),
    );
    const chosen = info.candidates.find((c) => c.name === info.backend);
    assert.ok(chosen?.available, `the chosen backend ${info.backend} is not reported available: ${chosen?.reason}`);
    if (EXPECTED_BACKEND) assert.equal(info.backend, EXPECTED_BACKEND);
    // The same running process answers the next request (no restart between commands).
    const again = await services.engine.request('info', {});
    assert.equal(again.backend, info.backend);
  });

  test('restarts on the new Node when the setting changes', async () => {
    const services = await activateOptidel();
    await settings().update('nodePath', process.execPath, vscode.ConfigurationTarget.Global);
    try {
      const info = await services.engine.request('info', {});
      assert.equal(info.nodeExecutable, process.execPath);
    } finally {
      await settings().update('nodePath', ENGINE_NODE, vscode.ConfigurationTarget.Global);
    }
  });

  test('a Node that does not exist is an error naming the setting', async () => {
    const services = await activateOptidel();
    await settings().update('nodePath', '/nonexistent/node', vscode.ConfigurationTarget.Global);
    try {
      await assert.rejects(services.engine.request('info', {}), /optidel\.engine\.nodePath/);
    } finally {
      await settings().update('nodePath', ENGINE_NODE, vscode.ConfigurationTarget.Global);
    }
  });
});
