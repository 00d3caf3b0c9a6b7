/**
 * The WebGPU backend through Dawn's Node binding (npm package `webgpu`): a GPU backend that needs
 * no CUDA libraries, only a Vulkan driver. The tfjs backend registers itself only if
 * `navigator.gpu` exists when its module is evaluated, so the GPU globals go in first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { BackendProbe } from './select';

const ADAPTER_TIMEOUT_MS = 10_000;

export const probeWebgpu: BackendProbe = {
  async register() {
    let dawn: { create(flags: string[]): { requestAdapter(): Promise<unknown> }; globals: Record<string, unknown> };
    try {
      // An ES module: imported, not required, so it loads on every Node 20 (require of ESM came in 20.19).
      dawn = (await import('webgpu')) as unknown as typeof dawn;
    } catch (err) {
      const missing = err instanceof Error && /Cannot find (module|package) 'webgpu'/.test(err.message);
      throw new Error(
        missing
          ? 'not installed: the optional dependency webgpu (Dawn) is missing'
          : `webgpu (Dawn) failed to load: ${(err as Error).message}`,
      );
    }
    // Dawn needs the Vulkan loader; without it, it would only print a native warning and find no adapter.
    if (process.platform === 'linux' && !vulkanLoaderPresent()) {
      throw new Error(
        'no WebGPU adapter: the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: apt-get install libvulkan1), and a GPU Vulkan driver is needed too',
      );
    }
    const gpu = dawn.create([]);
    const adapter = await Promise.race([
      gpu.requestAdapter(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), ADAPTER_TIMEOUT_MS).unref()),
    ]);
    if (!adapter)
      throw new Error('no WebGPU adapter: Dawn found no Vulkan GPU (is libvulkan1 and a GPU driver installed?)');
    Object.assign(globalThis, dawn.globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    const info = (adapter as { info?: { vendor?: string; architecture?: string; description?: string } }).info;
    const device = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ');
    return { devices: device ? [device] : undefined, note: 'Dawn WebGPU adapter found' };
  },
};

/** Whether the dynamic linker can find libvulkan.so.1 (ldconfig's cache, or LD_LIBRARY_PATH). */
function vulkanLoaderPresent(): boolean {
  const cache =
    spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ??
    spawnSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }).stdout ??
    '';
  if (/libvulkan\.so\.1\b/.test(cache)) return true;
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return dirs.some((dir) => fs.existsSync(`${dir}/libvulkan.so.1`));
}
