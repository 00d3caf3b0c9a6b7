/**
 * The CUDA backend cannot install on this machine (its install downloads libtensorflow), so these
 * tests put a stand-in package named @tensorflow/tfjs-node-gpu on NODE_PATH that behaves as the
 * real one does on a machine with missing CUDA libraries: it prints libtensorflow's own log lines
 * on stderr and runs on the CPU, or fails to load with the dlopen error. The engine must name the
 * missing library and fall back, never crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../helpers/engine';
import { judgeProbe, parseTensorflowLog } from '../../../src/engine/backends/tensorflow';

function fakeTfjsNodeGpu(body: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-tfjs-node-gpu-'));
  const dir = path.join(root, '@tensorflow', 'tfjs-node-gpu');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.js' }),
  );
  fs.writeFileSync(path.join(dir, 'index.js'), body);
  return root;
}

// libtensorflow 2.9's log when cuDNN is missing: it loads, warns, and creates no GPU device.
const CPU_ONLY = `
process.stderr.write("2026-11-27 10:00:00.000001: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory\\n");
process.stderr.write("2026-11-27 10:00:00.000002: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. Skipping registering GPU devices...\\n");
const tensor = { square: () => tensor, dataSync: () => [1, 4, 9] };
module.exports = { tensor1d: () => tensor, backend: () => ({ binding: { isUsingGpuDevice: () => false } }) };
`;
const LOAD_FAILS = `throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');`;

interface Candidate {
  name: string;
  available: boolean;
  reason: string;
}
function tensorflowCandidate(nodePath: string): { backend: unknown; tf: Candidate } {
  const run = runCli(['info', '--json'], { env: { NODE_PATH: nodePath } });
  assert.equal(run.status, 0, run.stderr);
  return {
    backend: run.json!.backend,
    tf: (run.json!.candidates as Candidate[]).find((c) => c.name === 'tensorflow')!,
  };
}

test('libtensorflow loading without cuDNN: the engine names libcudnn.so.8 and falls back to wasm', () => {
  const { backend, tf } = tensorflowCandidate(fakeTfjsNodeGpu(CPU_ONLY));
  assert.equal(backend, 'wasm');
  assert.equal(tf.available, false);
  assert.match(tf.reason, /would run on the CPU only: libtensorflow could not load libcudnn\.so\.8 \(cuDNN 8\.1\)/);
});

test('tfjs-node-gpu failing to load: the engine names libcudart.so.11.0 and the CUDA runtime', () => {
  const { backend, tf } = tensorflowCandidate(fakeTfjsNodeGpu(LOAD_FAILS));
  assert.equal(backend, 'wasm');
  assert.match(tf.reason, /libcudart\.so\.11\.0 was not found \(it comes with the CUDA 11\.2 runtime\)/);
});

test('devices are read from the native log, and GPUs newer than the build get a first-run warning', () => {
  const log = [
    'I tensorflow/stream_executor/platform/default/dso_loader.cc:53] Successfully opened dynamic library libcudart.so.11.0',
    'I tensorflow/core/common_runtime/gpu/gpu_device.cc:1532] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 79078 MB memory:  -> device: 0, name: NVIDIA H100 80GB HBM3, pci bus id: 0000:1b:00.0, compute capability: 9.0',
  ].join('\n');
  const parsed = parseTensorflowLog(log);
  assert.deepEqual(parsed.devices, [{ name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0' }]);
  assert.deepEqual(parsed.missingLibraries, []);
  const verdict = judgeProbe({ loaded: true, usingGpu: true, ...parsed });
  assert.equal(verdict.ok, true);
  assert.match(verdict.warnings[0], /H100.*compute capability 9\.0.*compiles its CUDA kernels from PTX/);
  const ampere = judgeProbe({
    loaded: true,
    usingGpu: true,
    missingLibraries: [],
    devices: [{ name: 'A100', computeCapability: '8.0' }],
  });
  assert.deepEqual(ampere.warnings, []);
});
