/** The WebAssembly backend (XNNPACK): ships its binaries inside the npm package, so it always installs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendProbe } from './select';

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * Where the .wasm binaries are: next to the engine bundle (the build copies them there), or in the
 * package itself when the engine runs from source in tests.
 */
export function wasmDirectory(): string {
  const candidates = [
    __dirname,
    path.join(__dirname, '..', '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, WASM_FILES[1])));
  if (!found)
    throw new Error(
      `the wasm binaries (${WASM_FILES[1]}) were not found in ${candidates.join(' or ')}; rebuild with "npm run build"`,
    );
  return found;
}

export const probeWasm: BackendProbe = {
  async register() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = wasmDirectory();
    wasm.setWasmPaths(Object.fromEntries(WASM_FILES.map((f) => [f, path.join(dir, f)])));
    return { note: `XNNPACK WebAssembly from ${dir}` };
  },
};
