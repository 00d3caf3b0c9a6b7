/**
 * The paths others write (a notebook's `run.dir`, a workspace's `optidel.runsFolder`) are judged
 * as strings before any file-system call, with POSIX and Windows rules (path.win32 on Linux).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { decideNotebookRunDir, decideRunsFolder, isInside, RUNS_FOLDER_REFUSED } from '../../../src/host/pathPolicy';
import { galleryAction, GALLERY_REFUSED, GALLERY_RUN_MISSING } from '../../../src/host/notebookGallery';
import { assertEngineMayStart, UNTRUSTED_ENGINE_REFUSAL } from '../../../src/host/workspaceTrust';
import { HostError } from '../../../src/host/notify';

const posixContext = {
  notebookDir: '/home/ann/thesis/notebooks',
  workspaceFolders: ['/home/ann/thesis'],
  runsFolders: ['/home/ann/thesis/.optidel/runs'],
};
const winContext = {
  notebookDir: 'C:\\Users\\ann\\thesis\\notebooks',
  workspaceFolders: ['C:\\Users\\ann\\thesis'],
  runsFolders: ['D:\\runs'],
};

/** The gallery decision with an existence check that records every path it is asked about. */
function galleryWith(runDir: string, context: typeof posixContext, p: typeof path.posix, existing: string[] = []) {
  const asked: string[] = [];
  const action = galleryAction(
    { type: 'openGallery', runDir, sampleId: 3 },
    context,
    (file) => {
      asked.push(file);
      return existing.includes(file);
    },
    p,
  );
  return { action, asked };
}

test('a notebook run.dir on a network share, outside the workspace or climbing out is refused without touching the file system', () => {
  const attacks: Array<[string, typeof posixContext, typeof path.posix]> = [
    ['\\\\server\\share', winContext, path.win32],
    ['//server/share', winContext, path.win32],
    ['\\\\?\\UNC\\server\\share\\run', winContext, path.win32],
    ['/\\server\\share', winContext, path.win32],
    ['//server/share', posixContext, path.posix],
    ['/etc', posixContext, path.posix],
    ['../../', posixContext, path.posix],
    ['..\\..\\..\\Windows', winContext, path.win32],
    ['E:\\patients\\run', winContext, path.win32],
    ['/home/ann/thesis-old/run', posixContext, path.posix],
  ];
  for (const [runDir, context, p] of attacks) {
    const { action, asked } = galleryWith(runDir, context, p);
    assert.equal(action.kind, 'refuse', runDir);
    assert.deepEqual(asked, [], `${runDir}: no file-system call`);
    assert.equal(action.kind === 'refuse' && action.message, GALLERY_REFUSED, runDir);
    assert.ok(action.kind === 'refuse' && action.detail.includes(runDir), 'the log line names the path');
  }
});

test('a run folder inside the workspace or the runs folder is looked at once, then opened', () => {
  const run = '/home/ann/thesis/.optidel/runs/20261202-1000-abcd';
  const opened = galleryWith(run, posixContext, path.posix, [`${run}/run.json`]);
  assert.deepEqual(opened.action, { kind: 'open', runDir: run, sampleId: 3 });
  assert.deepEqual(opened.asked, [`${run}/run.json`]);
  // --relative-paths: the notebook names the run relative to its own folder.
  const relative = galleryWith('../.optidel/runs/20261202-1000-abcd', posixContext, path.posix, [`${run}/run.json`]);
  assert.deepEqual(relative.action, { kind: 'open', runDir: run, sampleId: 3 });
  assert.equal(
    galleryWith('d:\\RUNS\\r1', winContext, path.win32, ['d:\\RUNS\\r1\\run.json']).action.kind,
    'open',
    'Windows paths compare without case',
  );
  const missing = galleryWith('D:\\runs\\gone', winContext, path.win32);
  assert.deepEqual(missing.asked, ['D:\\runs\\gone\\run.json']);
  assert.equal(missing.action.kind === 'refuse' && missing.action.message, GALLERY_RUN_MISSING);
});

test('a relative run.dir needs a saved notebook, and a notebook on a share gives it no base', () => {
  assert.equal(decideNotebookRunDir('run', { ...posixContext, notebookDir: undefined }).ok, false);
  assert.equal(
    decideNotebookRunDir('run', { ...winContext, notebookDir: '\\\\server\\share\\nb' }, path.win32).ok,
    false,
  );
  assert.equal(decideNotebookRunDir('a\0b', posixContext, path.posix).ok, false);
});

test('isInside compares whole path segments', () => {
  assert.equal(isInside('/w', '/w', path.posix), true);
  assert.equal(isInside('/w', '/w/..x/run', path.posix), true, 'a folder named "..x" is inside');
  assert.equal(isInside('/w', '/wx/run', path.posix), false);
  assert.equal(isInside('C:\\w', 'D:\\w', path.win32), false);
});

test('a workspace optidel.runsFolder that leads outside its folder is refused; the user may name any folder', () => {
  const folder = '/home/ann/thesis';
  for (const value of [
    '/',
    '/home/ann',
    '../../..',
    'runs/../../x',
    '..',
    'C:\\Users',
    '\\\\server\\share',
    '//server/share',
    '',
  ]) {
    assert.deepEqual(
      decideRunsFolder({ workspaceValue: value }, folder, true, path.posix),
      { ok: false, reason: RUNS_FOLDER_REFUSED },
      value,
    );
    assert.deepEqual(
      decideRunsFolder({ workspaceFolderValue: value, globalValue: '/srv/runs' }, folder, true, path.posix).ok,
      false,
      `folder value ${value}`,
    );
  }
  assert.match(RUNS_FOLDER_REFUSED, /optidel\.runsFolder/);
  assert.match(RUNS_FOLDER_REFUSED, /user settings/);
  for (const value of ['..\\..\\x', 'D:\\x', 'C:x'])
    assert.equal(decideRunsFolder({ workspaceValue: value }, 'C:\\w', true, path.win32).ok, false, value);
  assert.deepEqual(decideRunsFolder({ workspaceValue: 'out/runs' }, folder, true, path.posix), {
    ok: true,
    path: '/home/ann/thesis/out/runs',
  });
  assert.deepEqual(
    decideRunsFolder({ workspaceFolderValue: 'a', workspaceValue: '/etc' }, folder, true, path.posix),
    { ok: true, path: '/home/ann/thesis/a' },
    'the folder value wins',
  );
  assert.deepEqual(
    decideRunsFolder({ globalValue: '/mnt/nas/runs', defaultValue: '.optidel/runs' }, folder, true, path.posix),
    { ok: true, path: '/mnt/nas/runs' },
  );
  assert.deepEqual(decideRunsFolder({ globalValue: '../shared-runs' }, folder, true, path.posix), {
    ok: true,
    path: '/home/ann/shared-runs',
  });
  assert.deepEqual(decideRunsFolder({ defaultValue: '.optidel/runs' }, folder, true, path.posix), {
    ok: true,
    path: '/home/ann/thesis/.optidel/runs',
  });
  assert.deepEqual(
    decideRunsFolder({ workspaceValue: '/etc', globalValue: '/mnt/runs' }, folder, false, path.posix),
    { ok: true, path: '/mnt/runs' },
    'untrusted: the workspace value is ignored',
  );
});

test('the engine refuses to start in an untrusted workspace, with the fix', () => {
  assert.throws(
    () => assertEngineMayStart(false),
    (err: unknown) => err instanceof HostError && err.summary === UNTRUSTED_ENGINE_REFUSAL,
  );
  assert.match(UNTRUSTED_ENGINE_REFUSAL, /Manage Workspace Trust/);
  assert.doesNotThrow(() => assertEngineMayStart(true));
});
