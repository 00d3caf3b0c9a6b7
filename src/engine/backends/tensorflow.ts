/**
 * The CUDA backend: @tensorflow/tfjs-node-gpu, an optional dependency whose install downloads
 * libtensorflow 2.9.1 (built against CUDA 11.2 and cuDNN 8.1).
 *
 * It is taken only when it loads and sees a GPU. When loading fails we name the shared library that
 * was missing, so the user knows exactly which CUDA piece to install.
 */
import type { BackendProbe } from './select';

const PACKAGE = '@tensorflow/tfjs-node-gpu';

/** Turns a dlopen failure into the library that was missing and what provides it. */
export function explainLoadFailure(message: string): string {
  const lib = /(lib[\w+-]+\.so(?:\.[\d.]+)?)/.exec(message)?.[1];
  if (!lib) return `${PACKAGE} failed to load: ${message.split('\n')[0]}`;
  const provider = /cudnn/.test(lib)
    ? 'cuDNN 8.1'
    : /cudart|cublas|cufft|curand|cusolver|cusparse/.test(lib)
      ? 'the CUDA 11.2 runtime'
      : /tensorflow/.test(lib)
        ? 'libtensorflow (reinstall the package so its install script can download it)'
        : 'a system library';
  return `${PACKAGE} failed to load: ${lib} was not found (it comes with ${provider}); ` +
    `add its folder to the setting optidel.engine.libraryPaths or LD_LIBRARY_PATH`;
}

export const probeTensorflow: BackendProbe = {
  async register() {
    try {
      require.resolve(PACKAGE);
    } catch {
      throw new Error(`not installed: the optional dependency ${PACKAGE} is missing (its install downloads libtensorflow, which failed or was skipped)`);
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(PACKAGE);
    } catch (err) {
      throw new Error(explainLoadFailure(err instanceof Error ? err.message : String(err)));
    }
    return { note: `${PACKAGE} loaded` };
  },
};
