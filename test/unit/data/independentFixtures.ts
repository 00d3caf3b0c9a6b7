/** Writes the independent (Python + numpy) fixtures once per test process into a temporary folder. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let written: string | undefined;

export function independentFixtures(): string {
  if (written) return written;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-fixtures-'));
  const script = path.resolve(__dirname, '../../fixtures/independent/write_fixtures.py');
  const result = spawnSync('python3', [script, dir], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`write_fixtures.py failed (python3 with numpy is needed): ${result.stderr || result.error?.message}`);
  written = dir;
  return dir;
}

/** Stored value of the fixtures' volumes at (x, y, z, t). */
export function fixtureValue(x: number, y: number, z: number, t = 0): number {
  return x + 10 * y + 100 * z + 1000 * t;
}
