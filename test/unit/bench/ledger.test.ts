import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CellLedger, cellKey, settingsSignature, type CellSignatures } from '../../../src/engine/bench/ledger';
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

/** Signatures with these settings and data digest for every cell of seed 1 (other seeds not asked). */
function signed(settings: string, data: string): CellSignatures {
  return { settings: () => settings, data: (id) => (id.seed === 1 ? data : undefined) };
}

test('finished cells are found again by a new ledger with the same settings and data, not with others', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ledger-'));
  const sig = settingsSignature({ steps: 10 });
  const first = await CellLedger.open(dir, signed(sig, 'd1'));
  assert.equal(first.has(cell), false);
  await first.record(cell);
  const again = await CellLedger.open(dir, signed(sig, 'd1'));
  assert.equal(again.has(cell), true);
  assert.deepEqual(again.all(), [cell]);
  const changed = await CellLedger.open(dir, signed(settingsSignature({ steps: 20 }), 'd1'));
  assert.equal(changed.has(cell), false);
  assert.match(changed.ignored[0].reason, /other settings/);
  const otherData = await CellLedger.open(dir, signed(sig, 'd2'));
  assert.equal(otherData.has(cell), false);
  assert.match(otherData.ignored[0].reason, /other data: the images, labels or split of liver ct at seed 1 changed/);
  const notAsked = await CellLedger.open(dir, { settings: () => sig, data: () => undefined });
  assert.deepEqual([notAsked.all(), notAsked.ignored], [[], []], 'a cell of a seed not asked for is left alone');
  await assert.rejects(notAsked.record(cell), /not a cell of this benchmark/);
});

test('a cell file written before cells recorded their data is measured again', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ledger-'));
  fs.mkdirSync(path.join(dir, 'cells'));
  const sig = settingsSignature({ steps: 10 });
  fs.writeFileSync(
    path.join(dir, 'cells', `${cellKey(cell)}.json`),
    JSON.stringify({ version: 1, signature: sig, cell }),
  );
  const ledger = await CellLedger.open(dir, signed(sig, 'd1'));
  assert.equal(ledger.has(cell), false);
  assert.match(ledger.ignored[0].reason, /made before cells recorded their data/);
});

test('a corrupt cell file is skipped and reported', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ledger-'));
  fs.mkdirSync(path.join(dir, 'cells'));
  fs.writeFileSync(path.join(dir, 'cells', 'bad.json'), '{ not json');
  const ledger = await CellLedger.open(dir, signed('x', 'd'));
  assert.equal(ledger.all().length, 0);
  assert.match(ledger.ignored[0].reason, /not valid JSON/);
  assert.equal(cellKey(cell), 'optidel-b0.05-s1-liver_ct');
});
