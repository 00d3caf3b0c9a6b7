/** Per-platform packages: a foreign platform's .vsix holds that platform's sharp, libvips (fetched from npm) and usearch binary, and no other. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../helpers/engine';

test(
  'npm run package:platforms -- --target darwin-arm64 packs darwin-arm64 sharp and usearch binaries only',
  { timeout: 300_000 },
  async () => {
    const r = spawnSync(process.execPath, ['scripts/package.mjs', '--target', 'darwin-arm64', '--no-build'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const vsix = path.join(ROOT, 'optidel-darwin-arm64.vsix');
    const { imgPackagesIn, usearchPrebuildsIn } = (await import(path.join(ROOT, 'scripts/package.mjs'))) as {
      imgPackagesIn(file: string): string[];
      usearchPrebuildsIn(file: string): string[];
    };
    assert.deepEqual(imgPackagesIn(vsix), ['sharp-darwin-arm64', 'sharp-libvips-darwin-arm64']);
    // usearch's darwin binary holds both architectures; its JavaScript and loader come with it.
    assert.deepEqual(usearchPrebuildsIn(vsix), ['darwin-arm64+x64']);
    const manifest = spawnSync('unzip', ['-p', vsix, 'extension.vsixmanifest'], { encoding: 'utf8' }).stdout;
    assert.match(manifest, /TargetPlatform="darwin-arm64"/);
    // The DICOM decoders' WebAssembly ships beside the engine bundle, which loads it from there.
    const listing = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).stdout.split('\n');
    for (const wasm of ['charlswasm_decode.wasm', 'openjpegwasm_decode.wasm'])
      assert.ok(listing.includes(`extension/dist/engine/${wasm}`), `${wasm} is in the package`);
    for (const file of ['usearch/javascript/dist/esm/usearch.js', 'node-gyp-build/index.js', 'bindings/bindings.js'])
      assert.ok(listing.includes(`extension/node_modules/${file}`), `${file} is in the package`);
    fs.rmSync(vsix);
  },
);
