/** A real stage (ingest) runs through the engine on the workspace's tiny demo data and the Runs view follows it. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunsTreeNode } from '../../src/host/views/runsTree';
import { activateOptidel, waitFor, workspaceDir } from './helpers';

suite('runs', () => {
  test('ingest on the tiny demo data updates the Runs view', async () => {
    const services = await activateOptidel();
    const config = path.join(workspaceDir(), 'optidel.json');
    assert.ok(fs.existsSync(config), `${config} is missing: the driver opens a workspace made by "optidel demo-data --size tiny"`);
    const runDir = path.join(workspaceDir(), '.optidel', 'runs', `ingest-test-${Date.now()}`);
    let treeChanges = 0;
    const subscription = services.runs.onDidChangeTreeData(() => treeChanges++);
    try {
      const result = await services.engine.run('ingest', { config, out: runDir }, 'OptiDEL: ingesting the demo pool (integration test)');
      assert.ok(result.samples > 0, 'the demo pool ingested no samples');

      const runNode = await waitFor('the new run in the Runs view', async () => (await services.runs.getChildren()).find((n) => n.kind === 'run' && n.dir === runDir));
      const runItem = services.runs.getTreeItem(runNode);
      assert.equal(runItem.label, path.basename(runDir));
      const stages = await services.runs.getChildren(runNode);
      const ingest = stages.find((n): n is Extract<RunsTreeNode, { kind: 'stage' }> => n.kind === 'stage' && n.stage === 'ingest');
      assert.ok(ingest, `the run shows no ingest stage (stages: ${stages.map((s) => (s.kind === 'stage' ? s.stage : s.kind)).join(', ')})`);
      assert.match(String(services.runs.getTreeItem(ingest).description), /^done/);
      // The view learned about the run from its file watcher, not from this test asking.
      await waitFor('a Runs view refresh from the run.json watcher', () => (treeChanges > 0 ? true : undefined));
      await vscode.commands.executeCommand('optidel.runs.focus');
    } finally {
      subscription.dispose();
    }
  });
});
