import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CellLedger, cellKey, settingsSignature } from '../../../src/engine/bench/ledger';
import type { MeasuredCell } from '../../../src/engine/bench/report';

const cell: MeasuredCell = {
  method: 'optidel',
  seed: 1,
  dataset: 'liver ct',
  budget: 0.05,
  mIoU: 0.4,
  dice: 0.5,
  normDel: 0.6,
  pretrainSteps: 10,
  seconds: 2,
  backend: 'wasm',
  finetuneMode: 'full',
  head: 'mlp',
  finetuneSteps: 5,
  bestStep: 5,
  pretrainSamples: 3,
  generatedSamples: 1,
  finishedAt: 'now',
};

test('finished cells are found again by a new ledger with the same settings, not with other settings', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ledger-'));
  const sig = settingsSignature({ steps: 10 });
  const first = await CellLedger.open(dir, () => sig);
  assert.equal(first.has(cell), false);
  await first.record(cell);
  const again = await CellLedger.open(dir, () => sig);
  assert.equal(again.has(cell), true);
  assert.deepEqual(again.all(), [cell]);
  const changed = await CellLedger.open(dir, () => settingsSignature({ steps: 20 }));
  assert.equal(changed.has(cell), false);
  assert.match(changed.ignored[0].reason, /other settings/);
});

test('a corrupt cell file is skipped and reported', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ledger-'));
  fs.mkdirSync(path.join(dir, 'cells'));
  fs.writeFileSync(path.join(dir, 'cells', 'bad.json'), '{ not json');
  const ledger = await CellLedger.open(dir, () => 'x');
  assert.equal(ledger.all().length, 0);
  assert.match(ledger.ignored[0].reason, /not valid JSON/);
  assert.equal(cellKey(cell), 'optidel-b0.05-s1-liver_ct');
});
