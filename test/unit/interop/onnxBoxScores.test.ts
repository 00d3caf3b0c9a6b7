/**
 * Key patches scored through onnxruntime (`optidel propose --runtime onnxruntime`): the ONNX
 * scorer's masked patch scores equal TensorFlow.js's (the masks exactly, the errors within 1e-5),
 * and so do the boxes' difficulties, for boxes on single patches, across patches and over the whole
 * image, in samples out of order and split over batches, on test/helpers/interopModel.ts's model.
 * The tolerance is checked to be far below what a wrong mask seed or a box one patch off changes.
 * Skipped where ONNXRUNTIME_NODE_DIR names no onnxruntime-node.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../src/engine/backends/select';
import type { MaeModel } from '../../../src/engine/model/mae';
import { SeededRandom } from '../../../src/engine/model/rng';
import type { ScoredBox, ScoreOptions } from '../../../src/engine/model/scoring';
import { fitInputFree, inputFreeTensor, scoreBoxes, tfjsPatchScorer } from '../../../src/engine/model/scoring';
import type { PixelReader } from '../../../src/engine/model/trainingData';
import { loadOnnxruntime, resolveOnnxruntime } from '../../../src/engine/onnx/onnxruntime';
import type { OnnxScorer } from '../../../src/engine/onnx/onnxScoring';
import { openOnnxScorer } from '../../../src/engine/onnx/onnxScoring';
import { scorerOnnxBytes } from '../../../src/engine/onnx/scorerGraph';
import { interopModel } from '../../helpers/interopModel';

const onnxruntime = resolveOnnxruntime();
const skip = onnxruntime.skipped ?? false;
const SIDE = 32;
const IMAGES = 8;
const TOLERANCE = 1e-5;
let model: MaeModel;
let scratch: string;
let scorer: OnnxScorer;
let reader: PixelReader;

before(async () => {
  if (skip) return;
  await selectBackend('wasm');
  model = interopModel(SIDE);
  const rng = new SeededRandom(21);
  const pixels = Float32Array.from({ length: IMAGES * SIDE * SIDE }, (_, i) => {
    const [x, y, image] = [i % SIDE, Math.floor(i / SIDE) % SIDE, Math.floor(i / SIDE / SIDE)];
    return 0.5 + 0.3 * Math.sin(0.25 * (image + 1) * x + 0.15 * (image + 2) * y) + 0.1 * rng.next();
  });
  const area = SIDE * SIDE;
  reader = {
    imageSize: SIDE,
    read: async (ids) => {
      const out = new Float32Array(ids.length * area);
      ids.forEach((id, j) => out.set(pixels.subarray(id * area, (id + 1) * area), j * area));
      return out;
    },
  };
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-onnx-boxes-'));
  const file = path.join(scratch, 'scorer.onnx');
  fs.writeFileSync(file, await scorerOnnxBytes(model));
  scorer = await openOnnxScorer(loadOnnxruntime(onnxruntime.package!), file, model, 1);
});

after(async () => {
  await scorer?.release();
  model?.dispose();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** Samples out of order, one sample's boxes split over two batches of 5. */
const BOXES: ScoredBox[] = (
  [
    [6, [8, 0, 8, 8]], // one patch, row 0 column 1 ...
    [6, [0, 8, 8, 8]], // ... and its transpose, row 1 column 0
    [2, [5, 3, 13, 17]], // across six patches, partly
    [2, [0, 0, SIDE, SIDE]], // the whole image
    [7, [24, 24, 8, 8]],
    [7, [17, 9, 1, 1]], // one pixel
    [0, [0, 16, 32, 16]],
    [3, [16, 0, 16, 32]],
    [6, [12, 12, 10, 6]],
    [5, [0, 0, 16, 16]],
    [1, [8, 8, 16, 16]],
  ] as const
).map(([sampleId, box], id) => ({ id, sampleId, box: [...box] }));

const options = (overrides: Partial<ScoreOptions> = {}): ScoreOptions => ({
  masks: 4,
  seed: 9,
  batchSize: 5,
  ...overrides,
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of values');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

for (const difficulty of ['normalised', 'pvi'] as const) {
  test(
    `the ONNX scorer's masked patch scores are TensorFlow.js's: the same masks, errors within 1e-5 (${difficulty})`,
    { skip },
    async () => {
      const ids = [6, 2, 7, 0];
      const pixels = await reader.read(ids);
      const mean =
        difficulty === 'pvi'
          ? await fitInputFree(reader, [0, 1, 2, 3, 4, 5, 6, 7], model.config.patchSize, 9)
          : undefined;
      const inputFree = inputFreeTensor(model, mean);
      try {
        const batch = { masks: 4, seed: 9, difficulty };
        const tfjs = await tfjsPatchScorer(model)(pixels, ids, batch, inputFree);
        const onnx = await scorer.patchScores(pixels, ids, batch, inputFree);
        assert.deepEqual(onnx.count, tfjs.count, 'each patch masked by the same masks');
        assert.ok(
          tfjs.count.some((c) => c === 0) || tfjs.count.some((c) => c !== tfjs.count[0]),
          'the masks differ between patches',
        );
        const d = maxAbsDiff(onnx.scaled, tfjs.scaled);
        assert.ok(d < TOLERANCE, `masked patch scores differ by ${d}`);
        const otherIds = await tfjsPatchScorer(model)(pixels, [6, 2, 7, 1], batch, inputFree);
        assert.notDeepEqual(otherIds.count, tfjs.count, 'the masks are keyed by sample id');
      } finally {
        inputFree?.dispose();
      }
    },
  );

  test(
    `key patches score the same through onnxruntime as on TensorFlow.js within 1e-5 (${difficulty})`,
    { skip },
    async (t) => {
      const inputFree =
        difficulty === 'pvi'
          ? await fitInputFree(reader, [0, 1, 2, 3, 4, 5, 6, 7], model.config.patchSize, 9)
          : undefined;
      const opts = options({ difficulty, inputFree });
      const tfjs = await scoreBoxes(model, reader, BOXES, opts);
      const onnx = await scoreBoxes(model, reader, BOXES, opts, scorer.patchScores);
      const d = maxAbsDiff(onnx, tfjs);
      t.diagnostic(`max difference ${d.toExponential(2)}`);
      assert.ok(d < TOLERANCE, `box difficulties differ by ${d}`);

      // The comparison can tell: a wrong mask seed, or every box one patch over, moves the scores by far more.
      const wrongSeed = await scoreBoxes(model, reader, BOXES, { ...opts, seed: 10 }, scorer.patchScores);
      assert.ok(maxAbsDiff(wrongSeed, tfjs) > 100 * TOLERANCE, 'another seed changes the scores');
      const moved = BOXES.map((b) => ({
        ...b,
        box: [(b.box[0] + 8) % SIDE, b.box[1], b.box[2], b.box[3]] as ScoredBox['box'],
      }));
      const shifted = await scoreBoxes(model, reader, moved, opts, scorer.patchScores);
      assert.ok(maxAbsDiff(shifted, tfjs) > 100 * TOLERANCE, 'other boxes score otherwise');
      assert.ok(Math.abs(tfjs[0]! - tfjs[1]!) > 100 * TOLERANCE, 'a patch and its transpose score apart');
    },
  );
}
