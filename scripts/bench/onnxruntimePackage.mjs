// Where onnxruntime-node is, for the onnx bench and the interop tests that run exported graphs.
// It is not a dependency of OptiDEL (288 MB): install it anywhere with
// `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node` (no download beyond the npm package)
// and point ONNXRUNTIME_NODE_DIR at the folder it went into (the one holding node_modules/), or at
// the package itself.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** `{ package }`, the package folder, or `{ skipped }`, why it cannot be found (from `root`'s package.json otherwise). */
export function resolveOnnxruntime(root) {
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

/** The onnxruntime-node module in `packageDir`. */
export function loadOnnxruntime(packageDir) {
  return createRequire(path.join(packageDir, 'package.json'))(packageDir);
}
