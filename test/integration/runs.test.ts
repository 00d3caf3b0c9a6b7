/** A real stage (ingest) runs from its command through the engine on the workspace's tiny demo data, and the Runs view follows it. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
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
      await waitFor('a Runs view refresh', () => (treeChanges > 0 ? true : undefined));
      await vscode.commands.executeCommand('optidel.runs.focus');
    } finally {
      subscription.dispose();
    }
  });
});
