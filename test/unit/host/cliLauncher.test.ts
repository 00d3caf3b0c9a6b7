/** The terminal's optidel launcher: run for real from a folder whose name needs quoting, and refused where cmd.exe cannot quote. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launcher } from '../../../src/host/cliLauncher';

const root = path.resolve(__dirname, '../../..');

test(
  'the POSIX launcher runs the bundled engine, whatever quotes and spaces the paths hold',
  { skip: process.platform === 'win32' },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optidel it's $HOME `x` "));
    // The engine is reached through a path with the same awkward characters.
    const engine = path.join(dir, 'main.js');
    fs.symlinkSync(path.join(root, 'dist', 'engine', 'main.js'), engine);
    const file = launcher('linux', process.execPath, engine);
    assert.equal(file.name, 'optidel');
    fs.writeFileSync(path.join(dir, file.name), file.text, { mode: file.mode });
    const r = spawnSync(path.join(dir, file.name), ['--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string })
      .version;
    assert.match(r.stdout, new RegExp(version.replace(/\./g, '\\.')));
  },
);

test('the Windows launcher quotes its paths and refuses ones cmd.exe cannot quote', () => {
  const file = launcher('win32', 'C:\\Program Files\\Code\\Code.exe', 'C:\\ext dir\\dist\\engine\\main.js');
  assert.equal(file.name, 'optidel.cmd');
  assert.match(file.text, /"C:\\Program Files\\Code\\Code\.exe" "C:\\ext dir\\dist\\engine\\main\.js" %\*/);
  assert.match(file.text, /set ELECTRON_RUN_AS_NODE=1/);
  assert.throws(() => launcher('win32', 'C:\\a"b\\node.exe', 'C:\\e.js'), /holding " or %/);
  assert.throws(() => launcher('win32', 'C:\\node.exe', 'C:\\100%\\e.js'), /holding " or %/);
});
