// onnxruntime against the engine's wasm path (issue 21: adopt onnxruntime for scoring only if it is
// at least 3x faster). The ONNX export (python/optidel/export_onnx.py, through PyTorch) covers the
// encoder only: no decoder, no masked forward. So what is measured is the encoder's forward on whole
// images, tokens and pooled embedding, the part of scoring the export can run; scoring with K masks
// cannot go through onnxruntime until the decoder is exported too. scripts/bench/onnxWorker.ts does
// the work (tiny preset at 32 and 64 px; outputs compared within 1e-4).
//
// onnxruntime-node is not a dependency of OptiDEL (288 MB). Install it anywhere with
// `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node` (no download beyond the npm package)
// and point ONNXRUNTIME_NODE_DIR at the folder it went into (the one holding node_modules/), or at
// the package itself. Without it, or without a python3 that imports torch, the bench reports that
// it skipped and why.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const worker = path.join(root, 'scripts', 'bench', 'onnxWorker.ts');
const log = (m) => process.stderr.write(`${m}\n`);

/** Where onnxruntime-node's package is, or why it is not there. */
function resolveOnnxruntime() {
  const dir = process.env.ONNXRUNTIME_NODE_DIR;
  const from = dir ? path.join(path.resolve(dir), 'package.json') : path.join(root, 'package.json');
  try {
    if (dir && fs.existsSync(from) && JSON.parse(fs.readFileSync(from, 'utf8')).name === 'onnxruntime-node')
      return { package: path.resolve(dir) };
    return { package: path.dirname(createRequire(from).resolve('onnxruntime-node/package.json')) };
  } catch {
    return {
      skipped: `onnxruntime-node cannot be resolved ${dir ? `from ONNXRUNTIME_NODE_DIR=${dir}` : 'from the project (it is not a dependency)'}: run "ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node" in a folder of your choice and set ONNXRUNTIME_NODE_DIR to it`,
    };
  }
}

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

const ort = resolveOnnxruntime();
if (ort.skipped) skip(ort.skipped);
const python = torchPython();
if (!python) skip('no python3 imports torch, which writes the ONNX file: apt-get install -y python3-torch');

const run = spawnSync(process.execPath, ['--import', 'tsx', worker, ort.package, python], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
  maxBuffer: 16 << 20,
});
if (run.status !== 0) throw new Error(`onnx bench worker failed (exit ${run.status ?? run.signal})`);
process.stdout.write(`${run.stdout.trim().split('\n').pop()}\n`);
