// Prepares a self-contained GPU benchmark bundle in .gpu-bundle/ for a bare GPU machine with no
// network: the benchmark and engine in one file, the CPU training bench (scripts/bench/trainingWorker.ts,
// data-parallel workers on the machine's cores) with its worker thread, the WebAssembly binaries, Dawn's Node binding for
// linux-x64 only, this machine's Node binary (xz-compressed), and Debian's Vulkan loader and glvnd libraries.
// Usage: node scripts/gpu/prepare.mjs  (then: bash .gpu-bundle/run.sh OUT_DIR on the GPU machine)
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const bundle = path.join(root, '.gpu-bundle');
fs.rmSync(bundle, { recursive: true, force: true });
fs.mkdirSync(bundle, { recursive: true });

await esbuild.build({
  absWorkingDir: root,
  // The training worker thread is looked up next to the code that starts it (engineWorker.ts).
  entryPoints: {
    bench: 'scripts/gpu/gpuBench.ts',
    training: 'scripts/bench/trainingWorker.ts',
    trainWorker: 'src/engine/model/trainWorker.ts',
  },
  outdir: bundle,
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@tensorflow/tfjs-node-gpu', 'webgpu', 'sharp', 'tsx'],
  logLevel: 'warning',
});

const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const file of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
  fs.copyFileSync(path.join(wasmDir, file), path.join(bundle, file));

// Dawn: package.json, index.js and the linux-x64 binary only (the other platforms are 60 MB more).
const webgpu = path.join(root, 'node_modules/webgpu');
const webgpuOut = path.join(bundle, 'node_modules/webgpu');
fs.mkdirSync(path.join(webgpuOut, 'dist/linux-x64'), { recursive: true });
for (const file of ['package.json', 'index.js']) fs.copyFileSync(path.join(webgpu, file), path.join(webgpuOut, file));
fs.copyFileSync(path.join(webgpu, 'dist/linux-x64/dawn.node'), path.join(webgpuOut, 'dist/linux-x64/dawn.node'));

execFileSync('bash', ['-c', `xz -T0 -1 -c "${process.execPath}" > "${path.join(bundle, 'node.xz')}"`]);
// The Vulkan loader, and glvnd's dispatch libraries that NVIDIA's Vulkan driver (libGLX_nvidia.so.0)
// links against: without them the loader finds the driver's ICD file but cannot load it.
const graphicsPackages = ['libvulkan1', 'libglvnd0', 'libglx0', 'libegl1', 'libgl1', 'libopengl0', 'libgles2'];
try {
  execFileSync('apt-get', ['download', ...graphicsPackages], { cwd: bundle, stdio: 'pipe' });
} catch (err) {
  console.warn(
    `could not download Debian's ${graphicsPackages.join(', ')} (${String(err).split('\n')[0]}); the GPU machine must have libvulkan.so.1 and libGLdispatch.so.0 itself`,
  );
}
fs.copyFileSync(path.join(root, 'scripts/gpu/run.sh'), path.join(bundle, 'run.sh'));

const size = execFileSync('du', ['-sh', bundle], { encoding: 'utf8' }).split('\t')[0];
console.log(`GPU benchmark bundle ready: ${bundle} (${size}). On a GPU machine: bash .gpu-bundle/run.sh OUT_DIR`);
