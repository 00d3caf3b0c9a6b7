/**
 * The run folder's cached ONNX scorer (onnx/scorer-<hash>.onnx) is named by a hash of the
 * checkpoint's files, and a shared run folder carries both: anyone can compute the name and put a
 * graph of their own there. onnxruntime then runs that graph on the user's machine in place of the
 * checkpoint (a small graph can ask for any amount of memory or time, and its scores are anything).
 * The file must be the one the checkpoint exports, whatever was there before.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../src/engine/backends/select';
import type { MaeModel } from '../../../src/engine/model/mae';
import { cachedScorerFile } from '../../../src/engine/onnx/onnxScoring';
import { scorerOnnxBytes } from '../../../src/engine/onnx/scorerGraph';
import { interopModel } from '../../helpers/interopModel';

let model: MaeModel;
let runDir: string;
let checkpoint: string;

before(async () => {
  await selectBackend('wasm');
  model = interopModel(32);
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-onnx-cache-'));
  checkpoint = path.join(runDir, 'checkpoints', 'pretrain');
  await model.save(checkpoint);
});
after(() => {
  model.dispose();
  fs.rmSync(runDir, { recursive: true, force: true });
});

test("a scorer planted under the checkpoint's own name in a shared run is replaced by the checkpoint's export, not run", async () => {
  const expected = Buffer.from(await scorerOnnxBytes(model));
  const name = path.basename((await cachedScorerFile(runDir, checkpoint, model)).file);
  const planted = path.join(runDir, 'onnx', name);
  fs.writeFileSync(planted, 'a graph of somebody else');
  const { file, graph } = await cachedScorerFile(runDir, checkpoint, model);
  assert.equal(file, planted);
  assert.ok(Buffer.from(graph).equals(expected), 'the graph a session opens is the checkpoint export');
  assert.ok(fs.readFileSync(file).equals(expected), 'the scorer onnxruntime opens is the checkpoint export');
});

test('a cached scorer that is the export is kept as it is', async () => {
  const { file } = await cachedScorerFile(runDir, checkpoint, model);
  const before = fs.statSync(file);
  assert.equal((await cachedScorerFile(runDir, checkpoint, model)).file, file);
  assert.equal(fs.statSync(file).ino, before.ino, 'not written again');
});
