/**
 * The independent (Python + numpy) fixtures, written once per version of the writer script (and
 * of the modules beside it that it imports) into the system's temp folder and shared by the test
 * processes (written beside, then renamed in place, so parallel test files never see half a
 * folder). Fixtures written by a Python library (nibabel, pydicom) are written by whichever Python
 * has it, or their tests are skipped naming the Debian package to install.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const written = new Map<string, string>();

export function independentFixtures(): string {
  return writtenBy('write_fixtures.py', 'python3', 'python3 with numpy');
}

/** The Python libraries some fixtures are written by, and the Debian package of each. */
const LIBRARIES = {
  nibabel: { script: 'write_nibabel_fixtures.py', module: 'nibabel', apt: 'python3-nibabel' },
  pydicom: { script: 'write_pydicom_fixtures.py', module: 'pydicom', apt: 'python3-pydicom' },
  pydicomMetadata: { script: 'write_pydicom_metadata.py', module: 'pydicom', apt: 'python3-pydicom' },
  /** pydicom writes the sources; dcmtk and gdcm compress them (the manifest says which were missing). */
  compressedDicom: { script: 'write_compressed_dicom_fixtures.py', module: 'pydicom', apt: 'python3-pydicom' },
} as const;

/** The fixtures `library` writes, or why they cannot be written here (for a test's `skip`). */
export function libraryFixtures(library: keyof typeof LIBRARIES): { dir: string } | { skip: string } {
  const { script, module, apt } = LIBRARIES[library];
  // The default python3 first, then Debian's own, where apt installs its packages.
  const python = ['python3', '/usr/bin/python3'].find(
    (p) => spawnSync(p, ['-c', `import numpy, ${module}`], { encoding: 'utf8' }).status === 0,
  );
  if (!python) return { skip: `needs ${module} with numpy (apt-get install ${apt})` };
  return { dir: writtenBy(script, python, `${module} with numpy`) };
}

function writtenBy(scriptName: string, python: string, needs: string): string {
  const known = written.get(scriptName);
  if (known) return known;
  const script = path.resolve(__dirname, '../../fixtures/independent', scriptName);
  const version = writerVersion(script);
  const dir = path.join(os.tmpdir(), `optidel-fixtures-${path.basename(scriptName, '.py')}-${version}`);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    const staging = fs.mkdtempSync(`${dir}-staging-`);
    const result = spawnSync(python, [script, staging], { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0)
      throw new Error(`${scriptName} failed (${needs} is needed): ${result.stderr || result.error?.message}`);
    fs.writeFileSync(path.join(staging, '.complete'), version);
    try {
      fs.renameSync(staging, dir);
    } catch {
      // Another test process finished first: use its copy.
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  written.set(scriptName, dir);
  return dir;
}

/** A hash of the writer script and of the modules beside it that it imports (`from NAME import`). */
function writerVersion(script: string): string {
  const hash = createHash('sha256').update(fs.readFileSync(script));
  const text = fs.readFileSync(script, 'utf8');
  for (const [, name] of text.matchAll(/^from (\w+) import /gm)) {
    const module = path.join(path.dirname(script), `${name}.py`);
    if (fs.existsSync(module)) hash.update(fs.readFileSync(module));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Stored value of the fixtures' volumes at (x, y, z, t). */
export function fixtureValue(x: number, y: number, z: number, t = 0): number {
  return x + 10 * y + 100 * z + 1000 * t;
}
