// Runs every test/unit/**/*.test.ts with Node's test runner (TypeScript through tsx).
// Node 20's runner does not expand globs itself. Pass paths or substrings to run a subset.
// Every test has a time limit, so a hang fails that test instead of stalling CI until its own
// limit: generous, the slowest test takes about a minute here (a test may set its own).
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
const TEST_TIMEOUT_MS = 300_000;
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
