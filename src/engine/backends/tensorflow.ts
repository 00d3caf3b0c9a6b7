/**
 * The CUDA backend: @tensorflow/tfjs-node-gpu, an optional dependency whose install downloads
 * libtensorflow 2.9.1 (built against CUDA 11.2 and cuDNN 8.1).
 *
 * libtensorflow does not fail when a CUDA library is missing: it logs "Could not load dynamic
 * library ..." on the native stderr and quietly runs on the CPU. So we probe it in a short-lived
 * child process whose stderr we can read, learn exactly which libraries failed and which GPUs it
 * created devices for, and take the backend only when it really runs on a GPU.
 */
import { spawnSync } from 'node:child_process';
import type { BackendProbe } from './select';

export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

export interface GpuDevice {
  name: string;
  /** e.g. "9.0" for Hopper. */
  computeCapability?: string;
}

export interface TensorflowProbeReport {
  loaded: boolean;
  usingGpu: boolean;
  /** Shared libraries libtensorflow could not open, in the order it reported them. */
  missingLibraries: string[];
  devices: GpuDevice[];
  /** The first error line when loading failed outright. */
  error?: string;
}

/** What provides each CUDA library libtensorflow 2.9 opens, for the message that tells users what to install. */
export function libraryProvider(lib: string): string {
  if (/cudnn/.test(lib)) return 'cuDNN 8.1';
  if (/cudart|cublas|cufft|curand|cusolver|cusparse/.test(lib)) return 'the CUDA 11.2 runtime';
  if (/libcuda\.so/.test(lib)) return 'the NVIDIA driver';
  if (/nvinfer/.test(lib)) return 'TensorRT (optional)';
  if (/tensorflow/.test(lib)) return 'libtensorflow (reinstall the package so its install script can download it)';
  return 'a system library';
}

/** Turns a dlopen failure into the library that was missing and what provides it. */
export function explainLoadFailure(message: string): string {
  const lib = /(lib[\w+-]+\.so(?:\.[\d.]+)?)/.exec(message)?.[1];
  if (!lib) return `${TFJS_NODE_GPU} failed to load: ${message.split('\n')[0]}`;
  return (
    `${TFJS_NODE_GPU} failed to load: ${lib} was not found (it comes with ${libraryProvider(lib)}); ` +
    `add its folder to the setting optidel.engine.libraryPaths or LD_LIBRARY_PATH`
  );
}

/** Reads libtensorflow's native log: missing libraries and the GPU devices it created. */
export function parseTensorflowLog(stderr: string): Pick<TensorflowProbeReport, 'missingLibraries' | 'devices'> {
  const missingLibraries = [
    ...new Set([...stderr.matchAll(/Could not load dynamic library '([^']+)'/g)].map((m) => m[1])),
  ];
  const devices: GpuDevice[] = [];
  // TF >= 2.4: "Created device /job:localhost/.../device:GPU:0 with 79078 MB memory:  -> device: 0, name: NVIDIA H100 80GB HBM3, pci bus id: ..., compute capability: 9.0"
  for (const m of stderr.matchAll(
    /device:GPU:\d+ with .*?-> device: \d+, name: ([^,]+),.*?compute capability: (\d+\.\d+)/g,
  )) {
    devices.push({ name: m[1].trim(), computeCapability: m[2] });
  }
  // Older: "Found device 0 with properties: pciBusID: ... name: GeForce RTX 2070 computeCapability: 7.5"
  if (devices.length === 0) {
    for (const m of stderr.matchAll(
      /Found device \d+ with properties:[\s\S]*?name: (.+?)\s+computeCapability: (\d+\.\d+)/g,
    )) {
      devices.push({ name: m[1].trim(), computeCapability: m[2] });
    }
  }
  return { missingLibraries, devices };
}

/** Probe script run in the child: load the package, run one op, say whether it ran on a GPU. */
const probeScript = (modulePath: string) => `
let report = { loaded: false, usingGpu: false };
try {
  const tf = require(${JSON.stringify(modulePath)});
  tf.tensor1d([1, 2, 3]).square().dataSync();
  const binding = tf.backend().binding;
  report = { loaded: true, usingGpu: Boolean(binding && binding.isUsingGpuDevice && binding.isUsingGpuDevice()) };
} catch (err) {
  report = { loaded: false, usingGpu: false, error: String(err && err.message || err).split('\\n')[0] };
}
process.stdout.write('\\n@@probe ' + JSON.stringify(report) + '\\n');
`;

export function probeTensorflowInChild(modulePath: string, timeoutMs = 120_000): TensorflowProbeReport {
  const child = spawnSync(process.execPath, ['-e', probeScript(modulePath)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    // Ask libtensorflow to log device creation and dlopen failures (INFO level).
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '0', ELECTRON_RUN_AS_NODE: '1' },
  });
  const line = /@@probe (.*)/.exec(child.stdout ?? '')?.[1];
  const log = parseTensorflowLog(child.stderr ?? '');
  if (!line) {
    const why = child.error
      ? child.error.message
      : child.signal
        ? `killed by ${child.signal}`
        : (child.stderr ?? '').trim().split('\n').pop();
    return { loaded: false, usingGpu: false, ...log, error: `the probe process failed: ${why}` };
  }
  return { ...(JSON.parse(line) as Pick<TensorflowProbeReport, 'loaded' | 'usingGpu' | 'error'>), ...log };
}

/** Compute capability of the newest GPU generation libtensorflow 2.9.1 ships native code for (sm_80). */
const NEWEST_NATIVE_CC = 8.0;

/** The words a user sees for a probe that did not yield a GPU, or the warnings for one that did. */
export function judgeProbe(report: TensorflowProbeReport): { ok: boolean; reason: string; warnings: string[] } {
  const missing = report.missingLibraries.map((lib) => `${lib} (${libraryProvider(lib)})`);
  if (!report.loaded) {
    return {
      ok: false,
      reason: report.error ? explainLoadFailure(report.error) : `${TFJS_NODE_GPU} failed to load`,
      warnings: [],
    };
  }
  if (!report.usingGpu || report.devices.length === 0) {
    const why = missing.length
      ? `libtensorflow could not load ${missing.join(', ')}; add their folders to optidel.engine.libraryPaths or LD_LIBRARY_PATH`
      : 'libtensorflow loaded but created no GPU device (is an NVIDIA GPU and driver present? check nvidia-smi)';
    return { ok: false, reason: `${TFJS_NODE_GPU} would run on the CPU only: ${why}`, warnings: [] };
  }
  const warnings = report.devices
    .filter((d) => d.computeCapability && Number(d.computeCapability) > NEWEST_NATIVE_CC)
    .map(
      (d) =>
        `${d.name} (compute capability ${d.computeCapability}) is newer than the GPUs libtensorflow 2.9.1 was compiled for: ` +
        'the first run compiles its CUDA kernels from PTX, which can take many minutes; later runs reuse the cache (raise CUDA_CACHE_MAXSIZE to keep it)',
    );
  return {
    ok: true,
    reason: `CUDA through ${TFJS_NODE_GPU} on ${report.devices.map((d) => d.name).join(', ')}`,
    warnings,
  };
}

export const probeTensorflow: BackendProbe = {
  async register() {
    let modulePath: string;
    try {
      modulePath = require.resolve(TFJS_NODE_GPU);
    } catch {
      throw new Error(
        `not installed: the optional dependency ${TFJS_NODE_GPU} is missing (its install downloads libtensorflow, which failed or was skipped)`,
      );
    }
    const report = probeTensorflowInChild(modulePath);
    const verdict = judgeProbe(report);
    if (!verdict.ok) throw new Error(verdict.reason);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(modulePath);
    return {
      note: verdict.reason,
      warnings: verdict.warnings,
      devices: report.devices.map((d) => `${d.name}${d.computeCapability ? ` (cc ${d.computeCapability})` : ''}`),
    };
  },
};
