// Notebook renderer benchmark (what and why: scripts/bench/rendererMeasure.ts). The measuring code is
// TypeScript sharing the renderer tests' page and payloads, so it runs through tsx.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/bench/rendererMeasure.ts')], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});
process.exit(run.status ?? 1);
