// Types of scripts/bench/onnxruntimePackage.mjs: the part of onnxruntime-node's API OptiDEL's bench and tests use.
export interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface Ort {
  InferenceSession: { create(file: string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: {
    new (type: 'float32', data: Float32Array, dims: number[]): unknown;
    new (type: 'int64', data: BigInt64Array, dims: number[]): unknown;
  };
  env: { versions: Record<string, string> };
}
export function resolveOnnxruntime(
  root: string,
): { package: string; skipped?: undefined } | { skipped: string; package?: undefined };
export function loadOnnxruntime(packageDir: string): Ort;
