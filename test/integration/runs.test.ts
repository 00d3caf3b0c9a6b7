/** A real stage (ingest) runs from its command through the engine on the workspace's tiny demo data, and the Runs view follows it. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunsTreeNode } from '../../src/host/views/runsTree';
import type { IngestResult } from '../../src/shared/commands';
import { activateOptidel, dismissNotificationsUntilSettled as untilSettled, waitFor, workspaceDir } from './helpers';

suite('runs', () => {
  test('OptiDEL: Ingest Pool on the tiny demo data updates the Runs view', async () => {
    const services = await activateOptidel();
    const config = path.join(workspaceDir(), 'optidel.json');
    assert.ok(
      fs.existsSync(config),
      `${config} is missing: the driver opens a workspace made by "optidel demo-data --size tiny"`,
    );
    let treeChanges = 0;
    const subscription = services.runs.onDidChangeTreeData(() => treeChanges++);
    try {
      // The command ends with a message naming the counts; it resolves once that is dismissed.
      const result = await untilSettled(vscode.commands.executeCommand<IngestResult | undefined>('optidel.ingestPool'));
      assert.ok(result, 'OptiDEL: Ingest Pool returned nothing (see the OptiDEL log)');
      assert.ok(result.samples > 0, 'the demo pool ingested no samples');
      const runDir = result.runDir;

      const runNode = await waitFor('the new run in the Runs view', async () =>
        (await services.runs.getChildren()).find(
          (n) => n.kind === 'run' && path.resolve(n.dir) === path.resolve(runDir),
        ),
      );
      assert.equal(services.runs.getTreeItem(runNode).label, path.basename(runDir));
      const stages = await services.runs.getChildren(runNode);
      const ingest = stages.find(
        (n): n is Extract<RunsTreeNode, { kind: 'stage' }> => n.kind === 'stage' && n.stage === 'ingest',
      );
      assert.ok(
        ingest,
        `the run shows no ingest stage (stages: ${stages.map((s) => (s.kind === 'stage' ? s.stage : s.kind)).join(', ')})`,
      );
      assert.match(String(services.runs.getTreeItem(ingest).description), /^done/);
      // Its menus by capability: pre-training and the gallery now, the embedding map only after scoring.
      const runContext = String(services.runs.getTreeItem(runNode).contextValue);
      assert.match(runContext, /^optidel\.run .*\bingest-done\b/);
      assert.doesNotMatch(runContext, /score-done|benchmarked|running/);
      await waitFor('a Runs view refresh', () => (treeChanges > 0 ? true : undefined));
      await vscode.commands.executeCommand('optidel.runs.focus');
    } finally {
      subscription.dispose();
    }
  });

  test('OptiDEL: Show Sharded Progress names the done and the missing shards of a sharded ingest', async () => {
    const services = await activateOptidel();
    const config = path.join(workspaceDir(), 'optidel.json');
    const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-sharded-')), 'run');
    // Shard 1 of 3 ingested, as one job of a cluster's array would: shards 0 and 2 are still to come.
    await services.engine.request('ingest', { config, out: runDir, shard: '1/3' });
    const splits = await untilSettled(
      vscode.commands.executeCommand<Array<{ stage: string; count: number; done: number[]; missing: number[] }>>(
        'optidel.showShardProgress',
        { runDir },
      ),
    );
    assert.deepEqual(splits, [{ stage: 'ingest', count: 3, done: [1], missing: [0, 2] }]);
  });

  test('the Runs view follows a change of optidel.runsFolder', async () => {
    const services = await activateOptidel();
    const before = await services.runs.getChildren();
    assert.ok(before.length > 0, 'the ingest test left a run');
    const settings = vscode.workspace.getConfiguration('optidel', vscode.workspace.workspaceFolders![0].uri);
    let changed = 0;
    const subscription = services.runs.onDidChangeTreeData(() => changed++);
    try {
      await settings.update('runsFolder', 'other-runs', vscode.ConfigurationTarget.WorkspaceFolder);
      await waitFor('a refresh on the setting change', () => (changed > 0 ? true : undefined));
      assert.deepEqual(await services.runs.getChildren(), [], 'the new runs folder holds no run');
    } finally {
      await settings.update('runsFolder', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
      subscription.dispose();
    }
    assert.equal((await services.runs.getChildren()).length, before.length);
  });

  test('Add to Pool puts a folder in optidel.json once, relative to the config', async () => {
    await activateOptidel();
    const config = path.join(workspaceDir(), 'optidel.json');
    const original = fs.readFileSync(config, 'utf8');
    const folder = path.join(workspaceDir(), 'more-scans');
    fs.mkdirSync(folder, { recursive: true });
    try {
      const addTo = () => untilSettled(vscode.commands.executeCommand('optidel.addToPool', vscode.Uri.file(folder)));
      await addTo();
      const pool: string[] = JSON.parse(fs.readFileSync(config, 'utf8')).pool;
      assert.deepEqual(pool, [...JSON.parse(original).pool, 'more-scans']);
      await addTo();
      assert.deepEqual(JSON.parse(fs.readFileSync(config, 'utf8')).pool, pool, 'a second add changes nothing');
    } finally {
      fs.writeFileSync(config, original);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
