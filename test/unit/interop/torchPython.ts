/**
 * A Python interpreter that can import PyTorch, for the interop tests. Debian's python3-torch
 * installs for /usr/bin/python3; a python3 earlier on PATH (pyenv, a venv) may not see it. `-s`
 * keeps a user-site numpy 2.x from shadowing the numpy 1.x Debian's torch was built against.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../../helpers/engine';

const CANDIDATES = ['python3', '/usr/bin/python3'];

export const TORCH_MISSING = 'python3-torch is not installed: apt-get install -y python3-torch';

/** The first candidate for which `import torch` works, or undefined. */
export function findTorchPython(): string | undefined {
  return CANDIDATES.find(
    (python) => spawnSync(python, ['-s', '-c', 'import torch'], { encoding: 'utf8' }).status === 0,
  );
}

/** Runs a script with python/ on the module path; throws with its stderr when it fails. */
export function runPython(python: string, script: string, args: string[]): string {
  const result = spawnSync(python, ['-s', script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: path.join(ROOT, 'python'), PYTHONNOUSERSITE: '1' },
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`${python} ${script} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
