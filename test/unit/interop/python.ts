/**
 * A Python interpreter that can import what an interop test needs (numpy, PyTorch). Debian's
 * python3-torch installs for /usr/bin/python3; a python3 earlier on PATH (pyenv, a venv) may not
 * see it. `-s` keeps a user-site numpy 2.x from shadowing the numpy 1.x Debian's torch was built against.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../../helpers/engine';

const CANDIDATES = ['python3', '/usr/bin/python3'];

export const TORCH_MISSING = 'python3-torch is not installed: apt-get install -y python3-torch';
export const NUMPY_MISSING = 'no python3 with numpy: apt-get install -y python3-numpy';

/** The first candidate for which `import <module>` works, or undefined. */
export function findPython(module: string): string | undefined {
  return CANDIDATES.find(
    (python) => spawnSync(python, ['-s', '-c', `import ${module}`], { encoding: 'utf8' }).status === 0,
  );
}

export const findTorchPython = (): string | undefined => findPython('torch');

/** Runs a script with python/ (or `modulePath`) on the module path; throws with its stderr when it fails. */
export function runPython(
  python: string,
  script: string,
  args: string[],
  modulePath = path.join(ROOT, 'python'),
): string {
  const result = spawnSync(python, ['-s', script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: modulePath, PYTHONNOUSERSITE: '1', PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${python} ${script} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
