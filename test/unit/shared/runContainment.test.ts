/**
 * The run folder's containment rule (src/shared/run): plain names, run-relative paths that cannot
 * escape or pass a symbolic link, removal through the same rule, and which folders --out may name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import schema from '../../../src/shared/schemas/optidel.schema.json';
import { isPlainName, PLAIN_NAME_PATTERN, PLAIN_NAME_RULE } from '../../../src/shared/run/names';
import { splitRunRelative } from '../../../src/shared/run/relativePath';
import { synthFolder, synthIndexFile } from '../../../src/shared/run/layout';
import { checkRunLayout, removeInRun, resolveInRun, RunPathError } from '../../../src/shared/run/node/contain';
import { execFileSync } from 'node:child_process';
import { checkRunFolderOut } from '../../../src/shared/run/node/outFolder';
import { tooDeep } from '../../../src/shared/jsonLimits';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-contain-'));

test('plain names are letters, digits, ".", "_" and "-", never a path or a dot folder', () => {
  for (const good of ['brain', 'BraTS-2021', 'ct_liver.v2', '0', 'a'.repeat(64)]) assert.ok(isPlainName(good), good);
  for (const bad of [
    '',
    '.',
    '..',
    '.hidden',
    '../x',
    'a/b',
    'a\\b',
    '/etc',
    'C:',
    'a b',
    'a\0',
    'a'.repeat(65),
    'é',
    '-rf',
  ])
    assert.ok(!isPlainName(bad), JSON.stringify(bad));
  assert.ok(!isPlainName(3));
});

test('the schema VS Code shows spells the same rule for downstream[].name', () => {
  const name = schema.properties.downstream.items.properties.name;
  assert.equal(name.pattern, PLAIN_NAME_PATTERN);
  assert.ok(name.patternErrorMessage.endsWith(PLAIN_NAME_RULE), name.patternErrorMessage);
});

test('run-relative paths: absolute, drive, scheme, ".." and NUL are refused; empty and "." segments dropped', () => {
  assert.deepEqual(splitRunRelative('thumbs//./atlas-00000.png'), { parts: ['thumbs', 'atlas-00000.png'] });
  assert.deepEqual(splitRunRelative('a\\b'), { parts: ['a', 'b'] });
  for (const bad of [
    '/etc/passwd',
    '\\\\server\\share',
    'C:\\x',
    'c:x',
    'file:///etc',
    'command:evil',
    '..',
    'a/../../b',
    'a\\..\\b',
    'x\0y',
  ]) {
    assert.ok('problem' in splitRunRelative(bad), bad);
  }
});

test('resolveInRun stays inside the run folder and names the path and the file it came from', () => {
  const run = tmp();
  fs.mkdirSync(path.join(run, 'cache'));
  fs.writeFileSync(path.join(run, 'cache', 'shard-00000.bin'), 'x');
  assert.equal(
    resolveInRun(run, 'cache/shard-00000.bin', { mustExist: true }),
    path.join(run, 'cache', 'shard-00000.bin'),
  );
  assert.equal(
    resolveInRun(run, 'synth/new.png'),
    path.join(run, 'synth', 'new.png'),
    'a path not there yet is fine for writing',
  );
  assert.throws(() => resolveInRun(run, 'synth/new.png', { mustExist: true }), /no such file in the run folder/);
  assert.throws(
    () => resolveInRun(run, '../../etc/passwd', { source: 'cache/index.json shards[0]', fix: 'ingest again' }),
    (err: Error) =>
      err instanceof RunPathError &&
      /^cache\/index\.json shards\[0\]: "\.\.\/\.\.\/etc\/passwd" contains "\.\."/.test(err.message) &&
      err.message.endsWith('; ingest again'),
  );
  assert.throws(
    () => resolveInRun(run, '/etc/passwd'),
    (err: Error) => err.message.startsWith(`${run}: "/etc/passwd" is an absolute path`),
  );
  assert.throws(() => resolveInRun(run, 'cache/shard-00000.bin/x'), /not a folder/);
});

test("a synth/ folder is named only for a selection method, never for a run folder's free string", () => {
  assert.equal(synthIndexFile('random'), 'synth/random/index.json');
  for (const name of ['../../etc', '.thumbs', '', 'constructor', 'optidel/..'])
    assert.throws(
      () => synthFolder(name),
      /is not a selection method \(optidel, random, .*\), so it has no synth\/ folder/,
    );
});

test('resolveInRun refuses a symbolic link anywhere on the way, even one that points inside', () => {
  const run = tmp();
  const outside = tmp();
  fs.writeFileSync(path.join(outside, 'scan.png'), 'patient');
  fs.symlinkSync(outside, path.join(run, 'synth'));
  fs.mkdirSync(path.join(run, 'thumbs'));
  fs.symlinkSync(path.join(run, 'thumbs'), path.join(run, 'alias'));
  fs.symlinkSync(path.join(outside, 'scan.png'), path.join(run, 'thumbs', 'atlas.png'));
  assert.throws(() => resolveInRun(run, 'synth'), /symbolic link synth/);
  assert.throws(() => resolveInRun(run, 'synth/scan.png'), /symbolic link synth,/);
  assert.throws(() => resolveInRun(run, 'alias/x.png'), /symbolic link alias/);
  assert.throws(() => resolveInRun(run, 'thumbs/atlas.png'), /symbolic link thumbs\/atlas\.png/);
});

test('resolveInRun refuses a FIFO or other special file, which would hang or flood a reader', () => {
  const run = tmp();
  fs.mkdirSync(path.join(run, 'scores'));
  // A shared tar keeps FIFOs; reading one blocks forever (a link to /dev/zero would flood memory).
  execFileSync('mkfifo', [path.join(run, 'scores', 'difficulty.f32')]);
  for (const mustExist of [true, false])
    assert.throws(
      () => resolveInRun(run, 'scores/difficulty.f32', { mustExist }),
      (err: Error) =>
        err instanceof RunPathError && /"scores\/difficulty\.f32" is not a regular file or folder/.test(err.message),
    );
});

test('checkRunLayout refuses a link or special file anywhere in the folders OptiDEL writes, and nothing else', () => {
  const run = tmp();
  const outside = tmp();
  fs.mkdirSync(path.join(run, 'checkpoints', 'pretrain', 'step-0000001'), { recursive: true });
  fs.writeFileSync(path.join(run, 'run.json'), '{}');
  checkRunLayout(run);
  // The user's own links beside the layout (an export with --link) are not OptiDEL's business.
  fs.symlinkSync(outside, path.join(run, 'my-export'));
  checkRunLayout(run);
  for (const [entry, target] of [
    ['selection', outside],
    ['metrics/pretrain.jsonl', path.join(outside, '.bashrc')],
    ['checkpoints/pretrain/step-0000001/weights.bin', path.join(outside, 'w')],
    ['run.json', path.join(outside, 'run.json')],
  ] as const) {
    const file = path.join(run, entry);
    const saved = fs.existsSync(file) && !fs.lstatSync(file).isSymbolicLink() ? fs.readFileSync(file) : undefined;
    fs.rmSync(file, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.symlinkSync(target, file);
    assert.throws(
      () => checkRunLayout(run),
      (err: Error) =>
        err instanceof RunPathError &&
        err.message.startsWith(`${run}: ${entry} is a symbolic link`) &&
        /replace it with a file or folder of its own/.test(err.message),
      entry,
    );
    fs.rmSync(file);
    if (saved) fs.writeFileSync(file, saved);
  }
  execFileSync('mkfifo', [path.join(run, 'checkpoints', 'pretrain', 'latest.json')]);
  assert.throws(() => checkRunLayout(run), /checkpoints\/pretrain\/latest\.json is not a regular file or folder/);
});

test('removeInRun removes inside the run folder only: never through a link, never the folder itself', async () => {
  const run = tmp();
  const outside = tmp();
  fs.writeFileSync(path.join(outside, 'scan.png'), 'patient');
  fs.mkdirSync(path.join(run, 'bench', 'predictions', 'brain'), { recursive: true });
  fs.writeFileSync(path.join(run, 'bench', 'predictions', 'brain', 'index.json'), '{}');
  // A link inside a folder we remove is removed as a link; its target stays.
  fs.symlinkSync(outside, path.join(run, 'bench', 'predictions', 'brain', 'link'));
  fs.symlinkSync(outside, path.join(run, 'synth'));
  await removeInRun(run, 'bench/predictions/brain', { recursive: true });
  assert.ok(!fs.existsSync(path.join(run, 'bench', 'predictions', 'brain')));
  await assert.rejects(removeInRun(run, 'synth/scan.png'), RunPathError);
  await assert.rejects(removeInRun(run, 'synth', { recursive: true }), RunPathError);
  await assert.rejects(removeInRun(run, '../x', { recursive: true }), RunPathError);
  await assert.rejects(removeInRun(run, '.', { recursive: true }), /the run folder itself/);
  assert.equal(fs.readFileSync(path.join(outside, 'scan.png'), 'utf8'), 'patient');
  assert.ok(fs.existsSync(run));
});

test('--out may be new, empty or an OptiDEL run; any other folder or a file is refused with the fix', () => {
  const root = tmp();
  assert.equal(checkRunFolderOut(path.join(root, 'new')), path.join(root, 'new'));
  fs.mkdirSync(path.join(root, 'empty'));
  assert.equal(checkRunFolderOut(path.join(root, 'empty')), path.join(root, 'empty'));
  const run = path.join(root, 'run');
  fs.mkdirSync(run);
  fs.writeFileSync(
    path.join(run, 'run.json'),
    JSON.stringify({ version: 1, id: 'run', createdAt: 'now', config: {}, stages: {} }),
  );
  fs.writeFileSync(path.join(run, 'config.json'), '{}');
  assert.equal(checkRunFolderOut(run), run);
  const project = path.join(root, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'config.json'), '{}');
  assert.throws(
    () => checkRunFolderOut(project),
    (err: Error) =>
      err.message.startsWith(`${project} is not empty (config.json)`) &&
      /pick a new or empty folder for --out/.test(err.message),
  );
  fs.writeFileSync(path.join(project, 'run.json'), '{"version": 1}');
  assert.throws(() => checkRunFolderOut(project), /run\.json: "id" must be a string/);
  fs.writeFileSync(path.join(project, 'run.json'), 'not json');
  assert.throws(() => checkRunFolderOut(project), /not valid JSON.*pick a new or empty folder/);
  assert.throws(() => checkRunFolderOut(path.join(project, 'config.json')), /is a file, not a folder/);
});

test('tooDeep finds the first value nested past the limit without recursion', () => {
  assert.equal(tooDeep({ a: [1, { b: 2 }] }), undefined);
  assert.equal(tooDeep({ a: [[[]]] }, 3), 'a[0][0]');
  const deep = JSON.parse(`{"model":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  assert.match(tooDeep(deep) ?? '', /^model(\[0\]){63}$/);
});
