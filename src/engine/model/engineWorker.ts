/**
 * Worker threads of the engine, each with its own TensorFlow.js backend: the wasm backend runs one
 * thread in Node, so more cores means more threads. Used by data-parallel training
 * (dataParallel.ts) and pool scoring (parallelScoring.ts). Each entry is bundled next to the engine
 * (dist/engine/<name>.js, scripts/build.mjs); from source it is the TypeScript file next to this one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export type EngineWorkerName = 'trainWorker' | 'scoreWorker';

/** Backends whose work runs on the calling thread, where more threads mean more cores used. */
export const PARALLEL_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/** The threads worth starting on `backend` when the user did not say: the cores, or 1 on GPU backends. */
export function defaultThreads(backend: string): number {
  return PARALLEL_BACKENDS.includes(backend) ? Math.max(1, os.availableParallelism()) : 1;
}

export function spawnEngineWorker(name: EngineWorkerName, workerData: unknown): Worker {
  const entry = workerEntry(name);
  if (entry.endsWith('.js')) return new Worker(entry, { workerData });
  // From source (tests, benchmarks run through tsx): a worker does not get tsx's hooks from the
  // command line's --import, so it registers them itself before loading the TypeScript entry.
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv: [] });
}

/** Next to the engine bundle (dist/engine/<name>.js) or, from source, next to this file. */
function workerEntry(name: EngineWorkerName): string {
  const candidates = [path.join(__dirname, `${name}.js`), path.join(__dirname, `${name}.ts`)];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found)
    throw new Error(`the engine worker (${candidates.join(' or ')}) is missing; rebuild with "npm run build"`);
  return found;
}
