/**
 * Picks the TensorFlow.js backend the engine runs on.
 *
 * Candidates are tried in order of speed (tensorflow with CUDA, webgpu, wasm, cpu) unless the user
 * forces one. Each candidate must initialise and pass a smoke test (a small matmul checked against
 * the expected product); for each one not taken we keep the reason in words a user can act on, so
 * "Show Engine Info" and `optidel info` never leave anyone guessing why the GPU was not used.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendCandidate, BackendName, BackendPreference } from '../../shared/engineInfo';
import { BACKEND_NAMES } from '../../shared/engineInfo';
import { probeTensorflow } from './tensorflow';
import { probeWebgpu } from './webgpu';
import { probeWasm } from './wasm';

export interface BackendProbe {
  /** Registers the backend with TensorFlow.js; throws an Error whose message is the reason. */
  register(): Promise<{ devices?: string[]; note?: string; warnings?: string[] }>;
}

export interface BackendSelection {
  backend: BackendName;
  preference: BackendPreference;
  candidates: BackendCandidate[];
  warnings: string[];
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

const probes: Record<BackendName, BackendProbe> = {
  tensorflow: probeTensorflow,
  webgpu: probeWebgpu,
  wasm: probeWasm,
  cpu: { register: async () => ({ note: 'pure JavaScript; about 35x slower than wasm' }) },
};

let current: Promise<BackendSelection> | undefined;

/**
 * Initialises TensorFlow.js once per process. Variables must be created only after this resolves:
 * a variable made on one backend and used on another is copied on every step.
 */
export function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendSelection> {
  current ??= choose(preference);
  return current;
}

async function choose(preference: BackendPreference): Promise<BackendSelection> {
  const order: BackendName[] = preference === 'auto' ? [...BACKEND_NAMES] : [preference];
  const candidates: BackendCandidate[] = [];
  const warnings: string[] = [];
  let chosen: BackendName | undefined;
  // Quiet TensorFlow.js's console advice ("install tfjs-node"): the engine reports backends itself.
  tf.env().set('PROD', true);
  for (const name of order) {
    if (chosen) {
      candidates.push({ name, available: false, reason: `not tried: ${chosen} was taken first` });
      continue;
    }
    try {
      const { devices, note, warnings: probeWarnings = [] } = await probes[name].register();
      if (!(await tf.setBackend(name))) throw new Error(`TensorFlow.js could not initialise the ${name} backend`);
      await smokeTest(name);
      chosen = name;
      warnings.push(...probeWarnings);
      candidates.push({ name, available: true, reason: note ?? 'initialised and passed a matmul check', devices });
    } catch (err) {
      candidates.push({ name, available: false, reason: errorMessage(err) });
    }
  }
  if (preference === 'auto') {
    for (const name of BACKEND_NAMES) {
      if (!order.includes(name)) candidates.push({ name, available: false, reason: 'not tried' });
    }
  } else {
    for (const name of BACKEND_NAMES.filter((n) => n !== preference)) {
      candidates.push({ name, available: false, reason: `not tried: the backend is forced to ${preference}` });
    }
  }
  if (!chosen) {
    const why = candidates.find((c) => c.name === preference)?.reason ?? 'no backend initialised';
    throw new BackendUnavailableError(
      preference === 'auto'
        ? `no TensorFlow.js backend could start: ${candidates.map((c) => `${c.name}: ${c.reason}`).join('; ')}`
        : `the backend "${preference}" was requested but is not available: ${why}. ` +
            `Set optidel.engine.backend (or --backend) to "auto" to use the best available one.`,
    );
  }
  if (chosen === 'cpu')
    warnings.push('running on the pure JavaScript cpu backend: expect training to be about 35x slower than wasm');
  if (preference === 'auto' && chosen !== 'tensorflow' && chosen !== 'webgpu') {
    warnings.push(
      `no GPU backend is available; running on ${chosen} (see "candidates" for why each GPU backend was not taken)`,
    );
  }
  return { backend: chosen, preference, candidates, warnings };
}

/** A 2x3 by 3x2 product whose exact answer we know: catches backends that load but compute garbage. */
async function smokeTest(name: BackendName): Promise<void> {
  const result = tf.tidy(() =>
    tf.matMul(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), tf.tensor2d([7, 8, 9, 10, 11, 12], [3, 2])),
  );
  // Read asynchronously: WebGPU in Node has no synchronous read (tfjs's readSync needs OffscreenCanvas).
  const product = await result.data();
  result.dispose();
  const expected = [58, 64, 139, 154];
  if (!expected.every((v, i) => Math.abs(product[i] - v) < 1e-3)) {
    throw new Error(`the ${name} backend loaded but computed a wrong matmul (${Array.from(product).join(', ')})`);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
