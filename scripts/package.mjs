// `npm run package [-- --target linux-x64 ...]`: one .vsix per platform (vsce --target), each with the
// sharp binaries of its own platform from npm, so image folders work everywhere (a universal package
// carried linux-x64's only), and usearch's prebuilt binary for that platform only. Without --target:
// every platform below. Each package is checked after it is made: it holds its own platform's sharp,
// libvips and usearch binary and no other platform's. `--no-build` packs the dist/ already built.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
/** vsce targets and the @img packages sharp loads on each (win32 carries libvips inside its own package). */
export const TARGETS = {
  'linux-x64': ['sharp-linux-x64', 'sharp-libvips-linux-x64'],
  'linux-arm64': ['sharp-linux-arm64', 'sharp-libvips-linux-arm64'],
  'darwin-x64': ['sharp-darwin-x64', 'sharp-libvips-darwin-x64'],
  'darwin-arm64': ['sharp-darwin-arm64', 'sharp-libvips-darwin-arm64'],
  'win32-x64': ['sharp-win32-x64'],
};

/** The folder of node_modules/usearch/prebuilds/ each target loads (darwin's binary holds both architectures). */
export const USEARCH_PREBUILDS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-arm64+x64',
  'darwin-arm64': 'darwin-arm64+x64',
  'win32-x64': 'win32-x64',
};

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The exact versions sharp asks for (its optionalDependencies). */
function imgVersions() {
  const sharp = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/sharp/package.json'), 'utf8'));
  return sharp.optionalDependencies;
}

/** Puts `@img/<name>` into node_modules from the registry tarball when it is not there (npm skips other platforms'). */
function ensureImgPackage(name, version) {
  const dir = path.join(root, 'node_modules/@img', name);
  if (fs.existsSync(path.join(dir, 'package.json'))) return;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-pack-'));
  const tarball = run('npm', ['pack', `@img/${name}@${version}`, '--silent'], { cwd: scratch })
    .trim()
    .split('\n')
    .pop();
  fs.mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', path.join(scratch, tarball), '-C', dir, '--strip-components=1']);
  fs.rmSync(scratch, { recursive: true, force: true });
}

/** .vscodeignore with only this platform's @img packages and usearch binary let in. */
function ignoreFileFor(target) {
  const base = fs
    .readFileSync(path.join(root, '.vscodeignore'), 'utf8')
    .split('\n')
    .filter((line) => !/^!node_modules\/@img\/sharp-/.test(line) && !/^!node_modules\/usearch\/prebuilds\//.test(line));
  const file = path.join(os.tmpdir(), `optidel-vscodeignore-${target}`);
  fs.writeFileSync(
    file,
    [
      ...base,
      ...TARGETS[target].map((name) => `!node_modules/@img/${name}/**`),
      `!node_modules/usearch/prebuilds/${USEARCH_PREBUILDS[target]}/**`,
    ].join('\n'),
  );
  return file;
}

/** The usearch prebuild folders a .vsix holds. */
export function usearchPrebuildsIn(vsix) {
  const listing = run('unzip', ['-Z1', vsix]);
  return [
    ...new Set([...listing.matchAll(/extension\/node_modules\/usearch\/prebuilds\/([^/]+)\//g)].map((m) => m[1])),
  ].sort();
}

/** The @img packages a .vsix holds, from its file list. */
export function imgPackagesIn(vsix) {
  const listing = run('unzip', ['-Z1', vsix]);
  return [...new Set([...listing.matchAll(/extension\/node_modules\/@img\/(sharp-[^/]+)\//g)].map((m) => m[1]))].sort();
}

function main() {
  const asked = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--target' ? [a] : []));
  const targets = asked.length ? asked : Object.keys(TARGETS);
  for (const t of targets)
    if (!TARGETS[t]) throw new Error(`--target ${t}: not one of ${Object.keys(TARGETS).join(', ')}`);
  // --no-build packs the dist/ already there (the unit test does, so it never rewrites dist/ under other tests).
  if (!process.argv.includes('--no-build'))
    run(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production'], { stdio: 'inherit' });
  const versions = imgVersions();
  for (const target of targets) {
    for (const name of TARGETS[target]) ensureImgPackage(name, versions[`@img/${name}`]);
    const out = `optidel-${target}.vsix`;
    run(path.join(root, 'node_modules/.bin/vsce'), [
      'package',
      '--target',
      target,
      '--ignoreFile',
      ignoreFileFor(target),
      '--baseContentUrl',
      'https://example.invalid/optidel/blob/main',
      '--baseImagesUrl',
      'https://example.invalid/optidel/raw/main',
      '--out',
      out,
    ]);
    const held = imgPackagesIn(path.join(root, out));
    const want = [...TARGETS[target]].sort();
    if (JSON.stringify(held) !== JSON.stringify(want))
      throw new Error(`${out} holds @img/${held.join(', @img/')}; it should hold exactly @img/${want.join(', @img/')}`);
    const prebuilds = usearchPrebuildsIn(path.join(root, out));
    if (JSON.stringify(prebuilds) !== JSON.stringify([USEARCH_PREBUILDS[target]]))
      throw new Error(
        `${out} holds usearch prebuilds ${prebuilds.join(', ') || 'none'}; it should hold ${USEARCH_PREBUILDS[target]} only`,
      );
    console.log(
      `${out}: sharp for ${target} (${want.join(', ')}), ${(fs.statSync(path.join(root, out)).size / 1e6).toFixed(1)} MB`,
    );
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) main();
