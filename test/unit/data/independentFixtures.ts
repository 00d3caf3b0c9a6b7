/**
 * The independent (Python + numpy) fixtures, written once per version of the writer script into
 * the system's temp folder and shared by the test processes (written beside, then renamed in
 * place, so parallel test files never see half a folder).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let written: string | undefined;

export function independentFixtures(): string {
  if (written) return written;
  const script = path.resolve(__dirname, '../../fixtures/independent/write_fixtures.py');
  const version = createHash('sha256').update(fs.readFileSync(script)).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `optidel-fixtures-${version}`);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    const staging = fs.mkdtempSync(`${dir}-staging-`);
    const result = spawnSync('python3', [script, staging], { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0)
      throw new Error(
        `write_fixtures.py failed (python3 with numpy is needed): ${result.stderr || result.error?.message}`,
      );
    fs.writeFileSync(path.join(staging, '.complete'), version);
    try {
      fs.renameSync(staging, dir);
    } catch {
      // Another test process finished first: use its copy.
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  written = dir;
  return dir;
}

/** Stored value of the fixtures' volumes at (x, y, z, t). */
export function fixtureValue(x: number, y: number, z: number, t = 0): number {
  return x + 10 * y + 100 * z + 1000 * t;
}
