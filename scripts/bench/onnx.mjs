// onnxruntime against the engine's wasm path (issue 21: adopt onnxruntime for scoring only if it is
// at least 3x faster). The ONNX files are the encoder (python/optidel/export_onnx.py, through
// PyTorch) and the masked scorer (encoder and decoder, masks given as visible patch indices),
// written by the engine itself (src/engine/onnx/scorerGraph.ts), as `optidel score --runtime
// onnxruntime` runs it. Measured: the encoder's forward on whole images, and K = 4 mask scoring
// (the difficulty the score stage stores). scripts/bench/onnxWorker.ts does the work (tiny preset
// at 32 and 64 px; outputs compared within 1e-4).
//
// onnxruntime-node is not a dependency of OptiDEL: src/engine/onnx/onnxruntime.ts says how to
// point ONNXRUNTIME_NODE_DIR at one. Without it, or without a python3 that imports torch, the bench
// reports that it skipped and why.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'onnxWorker.ts');
const log = (m) => process.stderr.write(`${m}\n`);

/** A python3 that imports torch (Debian's python3-torch installs for /usr/bin/python3). */
function torchPython() {
  return ['python3', '/usr/bin/python3'].find(
    (p) => spawnSync(p, ['-s', '-c', 'import torch'], { encoding: 'utf8' }).status === 0,
  );
}

function skip(reason) {
  log(`onnx bench skipped: ${reason}`);
  process.stdout.write(`${JSON.stringify({ skipped: reason })}\n`);
  process.exit(0);
}

const python = torchPython();
if (!python) skip('no python3 imports torch, which writes the ONNX file: apt-get install -y python3-torch');

const run = spawnSync(process.execPath, ['--import', 'tsx', worker, python], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
  maxBuffer: 16 << 20,
});
if (run.status !== 0) throw new Error(`onnx bench worker failed (exit ${run.status ?? run.signal})`);
process.stdout.write(`${run.stdout.trim().split('\n').pop()}\n`);
