/** What the engine reports about itself: which TensorFlow.js backend it runs on, and why. */

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];
export type BackendPreference = BackendName | 'auto';

export interface BackendCandidate {
  name: BackendName;
  /** Whether the backend initialised and passed a smoke test here. */
  available: boolean;
  /** Why it was or was not taken, in words a user can act on. */
  reason: string;
  /** Devices the backend sees (GPU names), where it can tell. */
  devices?: string[];
}

export interface EngineInfo {
  /** The OptiDEL version of the engine (package.json). */
  version: string;
  backend: BackendName;
  /** How the backend was chosen: the first that worked, or forced by the setting or flag. */
  preference: BackendPreference;
  tfjsVersion: string;
  nodeVersion: string;
  nodeExecutable: string;
  platform: string;
  cpus: number;
  candidates: BackendCandidate[];
  /** fp32 matmul throughput of the chosen backend, when measured. */
  matmulGflops?: number;
  warnings: string[];
}
