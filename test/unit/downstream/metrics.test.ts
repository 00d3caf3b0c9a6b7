import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix, nanMean, normDel, scoresFromConfusion } from '../../../src/engine/downstream/metrics';

test('IoU and Dice match a hand-computed 3-class case', () => {
  // truth:     0 0 1 1 2 2
  // predicted: 0 1 1 1 2 0
  // class 0: tp 1, fp 1 (pixel 5), fn 1 (pixel 1) -> IoU 1/3, Dice 2/4
  // class 1: tp 2, fp 1, fn 0 -> IoU 2/3, Dice 4/5
  // class 2: tp 1, fp 0, fn 1 -> IoU 1/2, Dice 2/3
  const m = new ConfusionMatrix(3).add([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0]);
  const s = scoresFromConfusion(m);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
  [1 / 3, 2 / 3, 1 / 2].forEach((v, i) => close(s.iou[i], v));
  [2 / 4, 4 / 5, 2 / 3].forEach((v, i) => close(s.dice[i], v));
  close(s.mIoU, (2 / 3 + 1 / 2) / 2);
  close(s.mIoUWithBackground, (1 / 3 + 2 / 3 + 1 / 2) / 3);
  close(s.meanDice, (4 / 5 + 2 / 3) / 2);
  close(s.pixelAccuracy, 4 / 6);
});

test('a class absent from truth and prediction is left out of the means', () => {
  const s = scoresFromConfusion(new ConfusionMatrix(3).add([0, 1, 1, 0], [0, 1, 0, 0]));
  assert.ok(Number.isNaN(s.iou[2]) && Number.isNaN(s.dice[2]));
  assert.equal(s.mIoU, 1 / 2); // class 1 only: tp 1, fn 1
});

test('a class absent from the truth but predicted scores 0', () => {
  const s = scoresFromConfusion(new ConfusionMatrix(3).add([0, 1, 1, 0], [0, 1, 1, 2]));
  assert.equal(s.iou[2], 0);
  assert.equal(s.mIoU, (1 + 0) / 2);
});

test('only background everywhere: foreground mean is NaN, never a made-up number', () => {
  const s = scoresFromConfusion(new ConfusionMatrix(2).add([0, 0], [0, 0]));
  assert.ok(Number.isNaN(s.mIoU));
  assert.equal(s.mIoUWithBackground, 1);
});

test('labels out of range are an error', () => {
  assert.throws(() => new ConfusionMatrix(2).add([0, 2], [0, 1]), /outside 0\.\.1/);
  assert.throws(() => new ConfusionMatrix(2).add([0], [0, 1]), /pixels/);
});

test('NormDEL follows DEL = mIoU * exp(-R), NormDEL = sigmoid(DEL)', () => {
  const del = 0.7 * Math.exp(-0.05);
  assert.ok(Math.abs(normDel(0.7, 0.05) - 1 / (1 + Math.exp(-del))) < 1e-12);
  assert.equal(normDel(0, 1), 0.5);
  assert.ok(normDel(0.7, 0.05) > normDel(0.7, 1));
  assert.throws(() => normDel(0.5, 1.5), /fraction/);
  assert.ok(Number.isNaN(nanMean([NaN])));
});
