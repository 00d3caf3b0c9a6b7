// Runs every test/unit/**/*.test.ts with Node's test runner (TypeScript through tsx).
// Node 20's runner does not expand globs itself. Pass paths or substrings to run a subset.
// Every test file has a time limit (Node applies it to each file as a whole, and to each test in
// it), so a hang fails that file instead of stalling CI until CI's own limit. Generous: the
// slowest file (reliability/memory.test.ts) took 142 s on a machine shared by seven sessions.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const filters = process.argv.slice(2);
const files = fs
  .readdirSync(path.join(root, 'test/unit'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => path.join('test/unit', f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no unit tests matched ${filters.join(' ')}`);
  process.exit(1);
}
const TEST_TIMEOUT_MS = 600_000;
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
