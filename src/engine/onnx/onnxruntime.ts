/**
 * onnxruntime-node, an optional runtime OptiDEL does not depend on (about 290 MB): found in the
 * engine's own node_modules or on NODE_PATH, or where ONNXRUNTIME_NODE_DIR points (the folder it was installed
 * into, the one holding node_modules/, or the package itself). It installs with no download beyond
 * the npm package: `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`. Loaded only when
 * asked for, so the engine runs the same without it. The types are the part of its API OptiDEL uses.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtSessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}
export interface Ort {
  /** From a file, or from the model's bytes (a model in training has no file). */
  InferenceSession: { create(model: string | Uint8Array, options: OrtSessionOptions): Promise<OrtSession> };
  Tensor: {
    new (type: 'float32', data: Float32Array, dims: number[]): unknown;
    new (type: 'int64', data: BigInt64Array, dims: number[]): unknown;
  };
  env: { versions: Record<string, string> };
}

/** A CPU session on `threads` threads, every graph optimisation on: how the score stage and the onnx bench run a model. */
export function cpuSessionOptions(threads: number): OrtSessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
}

export const ONNXRUNTIME_INSTALL =
  'run "ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node" in a folder of your choice and set ONNXRUNTIME_NODE_DIR to it (or put its node_modules on NODE_PATH: optidel.engine.modulePaths in VS Code)';

/** `{ package }`, the package folder, or `{ skipped }`, why it cannot be found and how to install it. */
export function resolveOnnxruntime(
  env: NodeJS.ProcessEnv = process.env,
): { package: string; skipped?: undefined } | { skipped: string; package?: undefined } {
  const dir = env.ONNXRUNTIME_NODE_DIR;
  try {
    if (dir) {
      const own = path.join(path.resolve(dir), 'package.json');
      if (
        fs.existsSync(own) &&
        (JSON.parse(fs.readFileSync(own, 'utf8')) as { name?: unknown }).name === 'onnxruntime-node'
      )
        return { package: path.resolve(dir) };
      return { package: path.dirname(createRequire(own).resolve('onnxruntime-node/package.json')) };
    }
    return { package: path.dirname(createRequire(__filename).resolve('onnxruntime-node/package.json')) };
  } catch {
    const where = dir
      ? `from ONNXRUNTIME_NODE_DIR=${dir}`
      : "from the engine (it is not one of OptiDEL's dependencies)";
    return { skipped: `onnxruntime-node cannot be found ${where}: ${ONNXRUNTIME_INSTALL}` };
  }
}

/** The onnxruntime-node module in `packageDir`. */
export function loadOnnxruntime(packageDir: string): Ort {
  return createRequire(path.join(packageDir, 'package.json'))(packageDir) as Ort;
}

/** onnxruntime-node, or an error saying how to install it. */
export function requireOnnxruntime(command: string): Ort {
  const found = resolveOnnxruntime();
  if (found.skipped !== undefined) throw new Error(`${command} --runtime onnxruntime: ${found.skipped}`);
  try {
    return loadOnnxruntime(found.package);
  } catch (err) {
    throw new Error(
      `${command} --runtime onnxruntime: onnxruntime-node in ${found.package} does not load (${(err as Error).message}); reinstall it: ${ONNXRUNTIME_INSTALL}`,
    );
  }
}
