/** "OptiDEL: Select Subset": the path choice is offered where a method has one, and reaches the engine through the protocol. */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SelectionFile } from '../../../src/shared/artifacts';
import { HIERARCHICAL_METHOD_NAMES, SELECTION_METHOD_NAMES } from '../../../src/shared/commands';
import { EngineClient } from '../../../src/shared/node/engineClient';
import { pathChoices, selectArgs } from '../../../src/host/commands/selectChoices';
import { makeRunFixture } from '../../fixtures/makeRunFixture';
import { ENGINE, requireBuiltEngine } from '../../helpers/engine';

requireBuiltEngine();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-select-choices-'));
const engine = new EngineClient({ enginePath: ENGINE, backend: 'wasm', onEvent: () => undefined });
after(async () => {
  await engine.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

test('the path is asked for exactly the methods that have a hierarchical path', () => {
  for (const method of SELECTION_METHOD_NAMES) {
    const choices = pathChoices(method);
    if (HIERARCHICAL_METHOD_NAMES.includes(method))
      assert.deepEqual(
        choices?.map((c) => c.path),
        ['exact', 'hierarchical'],
        method,
      );
    else assert.equal(choices, undefined, method);
  }
});

test('a hierarchical choice reaches the engine as select --hierarchical; an exact one does not', async () => {
  const { runDir } = makeRunFixture(path.join(root, 'run'), { samples: 120, sampleScores: false });
  const read = () =>
    JSON.parse(fs.readFileSync(path.join(runDir, 'selection', 'kcenter.json'), 'utf8')) as SelectionFile;
  const hierarchical = await engine.request(
    'select',
    selectArgs(runDir, { method: 'kcenter', budget: 12, path: 'hierarchical' }),
  ).result;
  assert.equal(hierarchical.selected, 12);
  assert.equal(hierarchical.hierarchy?.branching, 32);
  assert.deepEqual(read().options?.hierarchical, hierarchical.hierarchy, 'recorded in the selection file');
  const exact = await engine.request('select', selectArgs(runDir, { method: 'kcenter', budget: 12, path: 'exact' }))
    .result;
  assert.equal(exact.hierarchy, undefined);
  assert.equal(read().options?.hierarchical, undefined);
});
