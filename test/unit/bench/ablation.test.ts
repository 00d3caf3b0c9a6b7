// OptiDEL's ablation arms (benchMethods.ts GENERATION_STEPS): each adds one step of generation, has
// its own checkpoints, and an unknown optidel-<x> is refused before any training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ABLATION_ADVERSARIAL_FRACTION,
  ablationLadder,
  armsSameAsOptidel,
  generationOf,
  selectorOf,
} from '../../../src/engine/bench/benchMethods';
import { checkpointName } from '../../../src/engine/bench/encoders';
import { runCli } from '../../helpers/engine';

test('each ablation arm stops after its own step of generation', () => {
  const bench = { images: 'mosaics+selected' as const, adversarialFraction: 0.5 };
  const of = (method: string) => generationOf(selectorOf(method)!, bench);
  assert.deepEqual(of('optidel-selected'), { images: 'selected', adversarialFraction: 0, rounds: 1 });
  assert.deepEqual(of('optidel-mosaics'), { images: 'mosaics', adversarialFraction: 0, rounds: 1 });
  assert.deepEqual(of('optidel-adversarial'), { images: 'mosaics', adversarialFraction: 0.5, rounds: 1 });
  assert.deepEqual(of('optidel-rounds'), { images: 'mosaics', adversarialFraction: 0.5, rounds: 2 });
  // The plain arm keeps the bench's settings, in one round: it is the default full method.
  assert.deepEqual(of('optidel'), { ...bench, rounds: 1 });
  // With hardening turned off for the bench, the adversarial arm still hardens (else it would be optidel-mosaics).
  const off = generationOf(selectorOf('optidel-adversarial')!, { images: 'mosaics', adversarialFraction: 0 });
  assert.equal(off.adversarialFraction, ABLATION_ADVERSARIAL_FRACTION);
  assert.equal(selectorOf('optidel-mosaics')?.method, 'optidel');
  assert.equal(selectorOf('optidel-pvi')?.difficulty, 'pvi');
  assert.equal(selectorOf('optidel-xyz'), undefined);
});

test('plain optidel stands in the ladder where its settings put it, and an arm that trains on the same is measured once', () => {
  const all = ['optidel', 'optidel-rounds', 'optidel-adversarial', 'optidel-mosaics', 'optidel-selected', 'full'];
  // The defaults: hardened mosaics in one round, so optidel is optidel-adversarial and comes before the rounds.
  const defaults = { images: 'mosaics' as const, adversarialFraction: 0.25 };
  assert.deepEqual(ablationLadder(all, defaults), [
    'optidel-selected',
    'optidel-mosaics',
    'optidel-adversarial',
    'optidel',
    'optidel-rounds',
  ]);
  assert.deepEqual(armsSameAsOptidel(all, defaults), ['optidel-adversarial']);
  // Hardening off: optidel is optidel-mosaics.
  const unhardened = { images: 'mosaics' as const, adversarialFraction: 0 };
  assert.deepEqual(armsSameAsOptidel(all, unhardened), ['optidel-mosaics']);
  assert.deepEqual(ablationLadder(all, unhardened).slice(0, 3), ['optidel-selected', 'optidel-mosaics', 'optidel']);
  // Pool images as they are (which the bench never hardens): optidel is optidel-selected.
  const selected = { images: 'selected' as const, adversarialFraction: 0.25 };
  assert.deepEqual(armsSameAsOptidel(all, selected), ['optidel-selected']);
  assert.deepEqual(ablationLadder(all, selected).slice(0, 2), ['optidel-selected', 'optidel']);
  // Mosaics beside the selected images differ from every arm; without optidel run nothing is folded.
  assert.deepEqual(armsSameAsOptidel(all, { images: 'mosaics+selected', adversarialFraction: 0.25 }), []);
  assert.deepEqual(armsSameAsOptidel(['optidel-adversarial', 'full'], defaults), []);
});

test('ablation arms have their own checkpoints, whatever --optidel-images says', () => {
  const names = ['optidel', 'optidel-selected', 'optidel-mosaics', 'optidel-adversarial', 'optidel-rounds'].map((m) =>
    checkpointName(m, 1, 0.1),
  );
  assert.equal(new Set(names).size, names.length);
  assert.equal(checkpointName('optidel-selected', 1, 0.1, 'selected'), checkpointName('optidel-selected', 1, 0.1));
  assert.notEqual(checkpointName('optidel', 1, 0.1, 'selected'), checkpointName('optidel', 1, 0.1));
});

test('an unknown optidel-<x> method is refused before any training, naming the accepted ones', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ablation-'));
  const run = runCli([
    'bench',
    '--config',
    path.join(dir, 'missing.json'),
    '--out',
    path.join(dir, 'run'),
    '--methods',
    'random,optidel-xyz',
  ]);
  assert.notEqual(run.status, 0);
  assert.match(
    run.stderr,
    /--methods must be a list of .*optidel-selected, optidel-mosaics, optidel-adversarial, optidel-rounds \(unknown: optidel-xyz\)/,
  );
  assert.ok(!fs.existsSync(path.join(dir, 'run')), 'nothing was written');
});
