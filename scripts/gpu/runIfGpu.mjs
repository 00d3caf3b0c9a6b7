// Second half of `npm run bench:gpu`: runs the prepared bundle here when this machine has an NVIDIA
// GPU, and otherwise says how to run it on one.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const hasGpu = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).status === 0;
if (!hasGpu) {
  console.log(
    'No NVIDIA GPU on this machine: copy .gpu-bundle/ to a GPU machine (it needs no network) and run\n' +
      '  bash .gpu-bundle/run.sh OUT_DIR\nwhich writes OUT_DIR/gpu-bench.json and OUT_DIR/gpu.txt.',
  );
  process.exit(0);
}
const out = path.join(root, 'bench-results');
const result = spawnSync('bash', [path.join(root, '.gpu-bundle/run.sh'), out], { stdio: 'inherit' });
process.exit(result.status ?? 1);
