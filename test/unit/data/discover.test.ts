/** Pool discovery: folders (recursive), globs, exclusions, DICOM without extension, natural order. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverSources, globToRegExp } from '../../../src/engine/data/discover';

test('globs: *, **, ?, [..] and {a,b}', () => {
  assert.ok(globToRegExp('/d/**/*.nii.gz').test('/d/a/b/x.nii.gz'));
  assert.ok(globToRegExp('/d/**/*.nii.gz').test('/d/x.nii.gz'));
  assert.ok(!globToRegExp('/d/*.png').test('/d/sub/x.png'));
  assert.ok(globToRegExp('/d/img-?.{png,jpg}').test('/d/img-1.jpg'));
  assert.ok(globToRegExp('/d/[ab]*.png').test('/d/b2.png'));
  assert.ok(!globToRegExp('/d/[ab]*.png').test('/d/c2.png'));
});

test('folders are searched recursively, in natural order; globs and exclusions apply; unknown files named explicitly are reported', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-discover-'));
  const touch = (rel: string, content: string | Buffer = 'x') => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  };
  touch('a/slice10.png');
  touch('a/slice2.png');
  touch('a/.hidden.png');
  touch('a/notes.txt');
  touch('b/vol.nii.gz');
  touch('b/skip/vol2.nii');
  const dicom = Buffer.alloc(140);
  dicom.write('DICM', 128, 'latin1');
  touch('c/IM0001', dicom);
  const found = await discoverSources(
    [
      path.join(dir, 'a'),
      path.join(dir, 'b/**/*.nii*'),
      path.join(dir, 'c'),
      path.join(dir, 'a/notes.txt'),
      path.join(dir, 'none/*.png'),
    ],
    [path.join(dir, 'b/skip/**')],
  );
  assert.deepEqual(
    found.files.map((f) => [path.relative(dir, f.path), f.kind]),
    [
      ['a/slice2.png', 'raster'],
      ['a/slice10.png', 'raster'],
      ['b/vol.nii.gz', 'volume'],
      ['c/IM0001', 'dicom'],
    ],
  );
  assert.deepEqual(
    found.skipped.map((s) => [path.relative(dir, s.path), s.reason.split(' (')[0]]),
    [
      ['none/*.png', 'the glob matches no file'],
      ['a/notes.txt', 'not a supported format'],
    ],
  );
});

test('one bad entry (an invalid glob, a glob under a file) is reported alone and the other entries are still searched', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-discover-'));
  fs.mkdirSync(path.join(dir, 'good'));
  fs.writeFileSync(path.join(dir, 'good/x.png'), 'x');
  const invalid = path.join(dir, '[z-a]*.png');
  const underFile = path.join(dir, 'good/x.png/*.png');
  const found = await discoverSources([invalid, underFile, path.join(dir, 'good')], [path.join(dir, '[z-a]')]);
  assert.deepEqual(
    found.files.map((f) => path.relative(dir, f.path)),
    ['good/x.png'],
  );
  const reasons = new Map(found.skipped.map((s) => [s.path, s.reason]));
  assert.match(reasons.get(invalid) ?? '', /^not a valid glob \(.*Range out of order/);
  assert.match(reasons.get(path.join(dir, 'good/x.png')) ?? '', /^cannot list the folder \(ENOTDIR/);
  assert.equal(reasons.get(underFile), 'the glob matches no file');
  assert.match(reasons.get(path.join(dir, '[z-a]')) ?? '', /^not a valid exclusion glob, nothing is excluded by it/);
});

test('symbolic links to files and folders are followed; a link cycle ends and broken links are reported', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-discover-'));
  fs.mkdirSync(path.join(dir, 'store/annexed'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'pool'));
  fs.writeFileSync(path.join(dir, 'store/annexed/y.png'), 'y');
  fs.writeFileSync(path.join(dir, 'store/z.nii.gz'), 'z');
  fs.writeFileSync(path.join(dir, 'pool/x.png'), 'x');
  fs.symlinkSync(path.join(dir, 'store/annexed'), path.join(dir, 'pool/linked-folder'));
  fs.symlinkSync(path.join(dir, 'store/z.nii.gz'), path.join(dir, 'pool/linked-file.nii.gz'));
  fs.symlinkSync(path.join(dir, 'pool'), path.join(dir, 'pool/cycle'));
  fs.symlinkSync(path.join(dir, 'store/gone.png'), path.join(dir, 'pool/broken.png'));
  const found = await discoverSources([path.join(dir, 'pool'), path.join(dir, 'pool/**/*.png')]);
  assert.deepEqual(
    found.files.map((f) => path.relative(dir, f.path)),
    ['pool/linked-file.nii.gz', 'pool/linked-folder/y.png', 'pool/x.png'],
  );
  // Both entries meet the cycle and the broken link: each is reported once.
  const reasons = found.skipped.map((s) => [path.relative(dir, s.path), s.reason.split(':')[0]]).sort();
  assert.deepEqual(reasons, [
    ['pool/broken.png', 'a link that cannot be followed'],
    ['pool/cycle', `a link to ${fs.realpathSync(path.join(dir, 'pool'))}, a folder already searched`],
  ]);
});
