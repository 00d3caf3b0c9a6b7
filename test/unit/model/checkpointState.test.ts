/**
 * trainer.json of a shared run folder's checkpoint says where a resumed training starts: from a
 * step of -1000, `optidel pretrain` emptied metrics/pretrain.jsonl (kept up to that step) and then
 * failed reading a batch of a step below 0; a step or optimiser step that is not a whole number
 * corrupts the resumed run. The reader refuses such a state, naming the file, the field and the fix.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { latestCheckpoint } from '../../../src/engine/model/checkpoint';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-trainer-state-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const GOOD = { version: 1, step: 5, seed: 0, options: {}, lastLoss: 0.5, seconds: 1, optimizerStep: 5 };

function checkpoint(name: string, state: Record<string, unknown>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'step-0000005'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ dir: 'step-0000005', step: 5 }));
  fs.writeFileSync(path.join(dir, 'step-0000005', 'trainer.json'), JSON.stringify(state));
  fs.writeFileSync(path.join(dir, 'step-0000005', 'model.json'), JSON.stringify({ config: {} }));
  return dir;
}

test('a checkpoint whose trainer.json says a step below 0 or not a whole number is refused, naming the field', async () => {
  for (const [key, value] of [
    ['step', -1e12],
    ['step', 2.5],
    ['step', '7'],
    ['optimizerStep', -3],
    ['options', null],
  ] as const) {
    const dir = checkpoint(`${key}-${String(value)}`, { ...GOOD, [key]: value });
    await assert.rejects(latestCheckpoint(dir), (err: Error) => {
      assert.ok(err.message.includes(path.join(dir, 'step-0000005', 'trainer.json')), err.message);
      assert.ok(err.message.includes(`"${key}"`), err.message);
      assert.match(err.message, /delete .* to start over/);
      return true;
    });
  }
});

test('a sound trainer.json reads as it was written', async () => {
  const latest = await latestCheckpoint(checkpoint('good', GOOD));
  assert.deepEqual(latest?.state, GOOD);
});
