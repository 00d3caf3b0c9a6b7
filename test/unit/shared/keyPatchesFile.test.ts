/**
 * The key-patch file (keyPatchesFile.ts over jsonLines.ts): written and read in chunks of a few
 * bytes, so that every patch line straddles a chunk boundary, what is written reads back equal;
 * version 1 files still read; a damaged patch line is skipped and named with its line; a body
 * that is not its header's, a linked or an unknown file is refused with the file named; a rewrite
 * cut short (a full disk, a killed process) leaves the previous key patches read, and the next
 * write cleans up after it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KeyPatch, KeyPatchFile } from '../../../src/shared/artifacts';
import {
  readKeyPatchesFile,
  writeKeyPatchesFile,
  type KeyPatchFileV1,
  type ReadKeyPatchesOptions,
} from '../../../src/shared/node/keyPatchesFile';
import { failWritesHalfWay } from '../../helpers/faults/halfWrite';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-key-patches-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const RELATIVE = 'patches/key-patches.json';

function patches(n: number): KeyPatch[] {
  return Array.from({ length: n }, (_, id) => ({
    id,
    sampleId: Math.floor(id / 3),
    box: [id % 7, 2, 8, 8] as [number, number, number, number],
    ...(id % 4 ? { difficulty: 0.125 * id } : {}),
    origin: id % 5 === 4 ? ('user' as const) : ('auto' as const),
  }));
}

const CONTENT: KeyPatchFile = {
  proposer: 'windows ×3 — é', // multi-byte, so the header is not plain ASCII either
  patches: patches(30),
  windows: { perImage: 3, windowFraction: 0.25 },
};

async function written(name: string, content: KeyPatchFile = CONTENT, chunkBytes = 7): Promise<string> {
  const dir = path.join(root, name);
  await writeKeyPatchesFile(dir, RELATIVE, content, chunkBytes);
  return dir;
}

/** Reads with every warning kept, to assert on; `options` as the reader takes them. */
async function read(dir: string, options: Partial<ReadKeyPatchesOptions> = {}) {
  const warnings: string[] = [];
  const file = await readKeyPatchesFile(dir, RELATIVE, { ...options, warn: (m) => warnings.push(m) });
  return { file, warnings };
}

const quiet = { warn: assert.fail };

/** What a rewrite writes over CONTENT. */
const NEXT: KeyPatchFile = { proposer: 'next', patches: patches(12) };

test('written and read in chunks of 7 and 5 bytes, the patches and the header round-trip', async () => {
  const dir = await written('round-trip');
  const header = JSON.parse(fs.readFileSync(path.join(dir, RELATIVE), 'utf8'));
  const { patchesSha256, ...rest } = header;
  assert.deepEqual(rest, { proposer: CONTENT.proposer, windows: CONTENT.windows, version: 2, patchCount: 30 });
  const body = fs.readFileSync(path.join(dir, 'patches/key-patches.jsonl'));
  assert.equal(patchesSha256, createHash('sha256').update(body).digest('hex'), 'the header names its body');
  const lines = fs.readFileSync(path.join(dir, 'patches/key-patches.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 30, 'one patch a line');
  const read = await readKeyPatchesFile(dir, RELATIVE, { chunkBytes: 5, ...quiet });
  assert.deepEqual(read, CONTENT);
  // Patches 0 and 7 have the same box: one frozen copy, so no reader can move one patch's box for both.
  assert.equal(read.patches[0].box, read.patches[7].box);
  assert.notEqual(read.patches[0].box, read.patches[1].box);
  assert.throws(() => {
    read.patches[0].box[0] = 3;
  }, TypeError);
});

test("fields beside KeyPatchFile's (a shard part's userOrder) travel in the header; no patches is a file too", async () => {
  const part = { proposer: 'user boxes', patches: [], userOrder: [2, 0, 1] };
  const dir = await written('extra', part);
  assert.deepEqual(await readKeyPatchesFile<typeof part>(dir, RELATIVE, quiet), part);
  assert.equal(fs.readFileSync(path.join(dir, 'patches/key-patches.jsonl'), 'utf8'), '');
});

test('a version 1 file (patches inline) still reads, and no .jsonl is needed for it', async () => {
  const dir = path.join(root, 'v1');
  const v1: KeyPatchFileV1 = { version: 1, ...CONTENT };
  fs.mkdirSync(path.join(dir, 'patches'), { recursive: true });
  fs.writeFileSync(path.join(dir, RELATIVE), JSON.stringify(v1));
  assert.deepEqual(await readKeyPatchesFile(dir, RELATIVE, quiet), CONTENT);
  fs.writeFileSync(path.join(dir, RELATIVE), JSON.stringify({ ...v1, patches: {} }));
  await assert.rejects(
    readKeyPatchesFile(dir, RELATIVE, quiet),
    /key-patches\.json: "patches" must be an array; run "optidel propose" again/,
  );
});

test('a body shorter than its header, a missing body or an unknown version is refused, naming the file and the fix', async () => {
  const dir = await written('damaged');
  const header = path.join(dir, RELATIVE);
  const lines = path.join(dir, 'patches/key-patches.jsonl');
  const full = fs.readFileSync(lines, 'utf8').split('\n');
  fs.writeFileSync(lines, full.slice(0, 12).join('\n') + '\n');
  await assert.rejects(
    readKeyPatchesFile(dir, RELATIVE, { fix: 'delete it', ...quiet }),
    /key-patches\.jsonl: holds 12 key patches, .*key-patches\.json says 30; delete it/,
  );
  fs.rmSync(lines);
  await assert.rejects(
    readKeyPatchesFile(dir, RELATIVE, quiet),
    /key-patches\.json: key-patches\.jsonl beside it is missing/,
  );
  fs.writeFileSync(header, JSON.stringify({ proposer: 'x', version: 3, patchCount: 0 }));
  await assert.rejects(
    readKeyPatchesFile(dir, RELATIVE, quiet),
    /key-patches\.json: key-patch file version 3 is not one this OptiDEL reads \(1 or 2\); update OptiDEL, or run "optidel propose" again/,
  );
  fs.writeFileSync(header, JSON.stringify({ proposer: 'x', version: 2, patchCount: -1 }));
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE, quiet), /"patchCount" must be a whole number/);
  fs.rmSync(header);
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE, quiet), { code: 'ENOENT' });
});

test('a damaged patch line in the middle is skipped and named with its line, the others read, the skips counted', async () => {
  const dir = await written('damaged-lines');
  const lines = path.join(dir, 'patches/key-patches.jsonl');
  const full = fs.readFileSync(lines, 'utf8').split('\n');
  const deep = `{"id":5,"x":${'['.repeat(100)}${']'.repeat(100)}}`;
  const damaged = [...full];
  damaged[1] = '{"id": 1, "sampl'; // a sector lost
  damaged[4] = '[1, 2]';
  damaged[5] = deep;
  damaged[7] = JSON.stringify({ ...CONTENT.patches[7], box: [0, 0, 'x', 4] });
  fs.writeFileSync(lines, damaged.join('\n'));
  const { file, warnings } = await read(dir, { fix: 'run "optidel propose" again' });
  assert.deepEqual(
    file.patches,
    CONTENT.patches.filter((_, i) => ![1, 4, 5, 7].includes(i)),
  );
  const shown = warnings.map((w) => w.replace(lines, '<body>'));
  assert.deepEqual(shown.slice(0, 4), [
    `<body>: line 2: not valid JSON (${errorOf('{"id": 1, "sampl')}) (skipped); run "optidel propose" again`,
    '<body>: line 5: not a key patch object (skipped); run "optidel propose" again',
    '<body>: line 6: x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nested more than 64 levels deep (skipped); run "optidel propose" again',
    '<body>: line 8: "box" is [0,0,"x",4], not a box inside the image (skipped); run "optidel propose" again',
  ]);
  assert.equal(
    shown[4],
    '<body>: 4 of 30 key patches skipped as unusable, the others read; run "optidel propose" again',
  );
  assert.equal(shown.length, 5);
});

test('a truncated last line is skipped and named as cut short; with a pool, patches not of it are skipped too', async () => {
  const dir = await written('truncated');
  const lines = path.join(dir, 'patches/key-patches.jsonl');
  const text = fs.readFileSync(lines, 'utf8');
  fs.writeFileSync(lines, text.slice(0, text.length - 9)); // the copy stopped inside line 30
  const { file, warnings } = await read(dir, { pool: { size: 9, imageSize: 16 } });
  // Samples 9 (patches 27 to 29) are outside a pool of 9; patch 30 is cut short.
  assert.deepEqual(file.patches, CONTENT.patches.slice(0, 27));
  assert.match(
    warnings[0]!,
    /key-patches\.jsonl: line 28: "sampleId" holds 9, not a pool sample id \(0 to 8\) \(skipped\)/,
  );
  assert.match(warnings[2]!, /key-patches\.jsonl: line 30: cut short \(the file ends inside it\) \(.*\) \(skipped\)/);
  assert.match(warnings.at(-1)!, /key-patches\.jsonl: 3 of 30 key patches skipped/);
  const none = await written('none-usable', { ...CONTENT, patches: patches(3) });
  await assert.rejects(
    read(none, { pool: { size: 1, imageSize: 4 } }),
    /key-patches\.jsonl: none of its 3 key patches is usable \(line 1: "box" is \[0,2,8,8\], not a box inside the 4 px image\); run "optidel propose" again/,
  );
});

test('a body of the right count that is not the one its header names is refused; the set-aside one it names is read', async () => {
  const dir = await written('mixed');
  const lines = path.join(dir, 'patches/key-patches.jsonl');
  const other = await written('mixed-other', {
    ...CONTENT,
    patches: patches(30).map((p) => ({ ...p, origin: 'user' })),
  });
  // Every line a good patch and as many as the header says: another write's body, not this header's.
  fs.copyFileSync(path.join(other, 'patches/key-patches.jsonl'), lines);
  await assert.rejects(
    read(dir),
    /key-patches\.jsonl: is not the body .*key-patches\.json was written with \(its SHA-256 differs\): another write or an edit changed it; run "optidel propose" again/,
  );
  // The body this header was written with, set aside by a rewrite that stopped before its header: read, and said so.
  await writeKeyPatchesFile(path.join(root, 'scratch'), RELATIVE, CONTENT, 7);
  fs.copyFileSync(
    path.join(root, 'scratch/patches/key-patches.jsonl'),
    path.join(dir, 'patches/key-patches.prev.jsonl'),
  );
  const { file, warnings } = await read(dir);
  assert.deepEqual(file, CONTENT);
  assert.deepEqual(warnings, [
    `${lines}: a rewrite of ${path.join(dir, RELATIVE)} was cut short; the key patches from before it are read`,
  ]);
});

function errorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

test('a patch file linked from elsewhere is refused, not read', async () => {
  const dir = await written('linked');
  const outside = await written('outside', { ...CONTENT, patches: patches(2) });
  const lines = path.join(dir, 'patches/key-patches.jsonl');
  fs.rmSync(lines);
  fs.symlinkSync(path.join(outside, 'patches/key-patches.jsonl'), lines);
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE, quiet), /key-patches\.jsonl" goes through the symbolic link/);
});

test('a linked set-aside body is refused by reader and writer; a linked stale temporary is removed, never followed', async () => {
  const dir = await written('linked-prev');
  const outside = path.join(root, 'theirs.jsonl');
  const theirs = patches(30)
    .map((p) => `${JSON.stringify(p)}\n`)
    .join('');
  fs.writeFileSync(outside, theirs);
  const previous = path.join(dir, 'patches/key-patches.prev.jsonl');
  fs.symlinkSync(outside, previous);
  await assert.rejects(read(dir), /key-patches\.prev\.jsonl" goes through the symbolic link/);
  await assert.rejects(
    writeKeyPatchesFile(dir, RELATIVE, NEXT, 7),
    /key-patches\.prev\.jsonl" goes through the symbolic link/,
  );
  fs.rmSync(previous);
  // A dead process's temporary that is a link out: the next write removes the link, the user's file stays.
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const stray = path.join(dir, `patches/key-patches.jsonl.${dead}-0badf00d.tmp`);
  fs.symlinkSync(outside, stray);
  await writeKeyPatchesFile(dir, RELATIVE, NEXT, 7);
  assert.equal(fs.readFileSync(outside, 'utf8'), theirs);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'patches')).sort(), ['key-patches.json', 'key-patches.jsonl']);
});

test('a write that fails in its body leaves the file it would have replaced as it was', async () => {
  const dir = await written('kept');
  const broken = { ...CONTENT, patches: [...patches(20), { id: 20, big: 10n } as unknown as KeyPatch] };
  await assert.rejects(writeKeyPatchesFile(dir, RELATIVE, broken, 7), /BigInt/);
  assert.deepEqual(await readKeyPatchesFile(dir, RELATIVE, quiet), CONTENT);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'patches')).sort(), ['key-patches.json', 'key-patches.jsonl']);
  const undo = failWritesHalfWay(/key-patches\.jsonl\.\d+-[0-9a-f]{8}\.tmp$/);
  try {
    await assert.rejects(writeKeyPatchesFile(dir, RELATIVE, NEXT, 7), /ENOSPC/);
  } finally {
    undo();
  }
  assert.deepEqual(await readKeyPatchesFile(dir, RELATIVE, quiet), CONTENT);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'patches')).sort(), ['key-patches.json', 'key-patches.jsonl']);
});

test('a disk that fills while the header is written leaves the previous key patches read; the next write cleans up', async () => {
  const dir = await written('header-full');
  const undo = failWritesHalfWay(/key-patches\.json\.\d+-[0-9a-f]{8}\.tmp$/);
  try {
    await assert.rejects(writeKeyPatchesFile(dir, RELATIVE, NEXT, 7), /ENOSPC/);
  } finally {
    undo();
  }
  // The new body is in place, the header is the old one: the old key patches, never a mix.
  const { file, warnings } = await read(dir);
  assert.deepEqual(file, CONTENT);
  assert.match(warnings.join('\n'), /a rewrite of .*key-patches\.json was cut short/);
  await writeKeyPatchesFile(dir, RELATIVE, NEXT, 7);
  assert.deepEqual(await readKeyPatchesFile(dir, RELATIVE, quiet), NEXT);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'patches')).sort(), ['key-patches.json', 'key-patches.jsonl']);
});

test('a writer killed half-way through a rewrite leaves the previous key patches read; the next write cleans up', async () => {
  const dir = await written('killed');
  const hold = fs.mkdtempSync(path.join(root, 'hold-'));
  const source = path.resolve(__dirname, '../../../src/shared/node/keyPatchesFile.ts');
  const script = `require(${JSON.stringify(source)}).writeKeyPatchesFile(${JSON.stringify(dir)}, ${JSON.stringify(RELATIVE)}, ${JSON.stringify(NEXT)}, 7)`;
  // Held (then killed) as it opens the header's temporary: its body is renamed into place, the old header still there.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--require', path.resolve(__dirname, '../../helpers/faults/holdWrite.cjs'), '-e', script],
    {
      env: {
        ...process.env,
        OPTIDEL_HOLD_PATH: 'key-patches\\.json\\.\\d+-[0-9a-f]{8}\\.tmp$',
        OPTIDEL_HOLD_DIR: hold,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  while (!fs.existsSync(path.join(hold, `reached-${child.pid}`))) {
    assert.equal(child.exitCode, null, 'the writer ended before it reached the header');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  await exited;
  // What a writer killed inside its body leaves too: a temporary of the body, here a third version's lines.
  const stray = path.join(dir, `patches/key-patches.jsonl.${child.pid}-0badf00d.tmp`);
  fs.writeFileSync(
    stray,
    patches(3)
      .map((p) => `${JSON.stringify(p)}\n`)
      .join(''),
  );
  const { file, warnings } = await read(dir);
  assert.deepEqual(file, CONTENT, "the key patches from before the rewrite, not the killed one's nor the temporary's");
  assert.match(warnings.join('\n'), /was cut short; the key patches from before it are read/);
  await writeKeyPatchesFile(dir, RELATIVE, NEXT, 7);
  assert.deepEqual(await readKeyPatchesFile(dir, RELATIVE, quiet), NEXT);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'patches')).sort(), ['key-patches.json', 'key-patches.jsonl']);
});

test('a patches/ folder linked elsewhere after the run was checked: the writer refuses it, nothing outside is written or removed', async () => {
  const dir = await written('linked-folder');
  const outside = fs.mkdtempSync(path.join(root, 'outside-'));
  fs.writeFileSync(path.join(outside, 'key-patches.prev.jsonl'), "the user's own file");
  fs.rmSync(path.join(dir, 'patches'), { recursive: true });
  fs.symlinkSync(outside, path.join(dir, 'patches'));
  await assert.rejects(writeKeyPatchesFile(dir, RELATIVE, NEXT, 7), /goes through the symbolic link patches/);
  assert.deepEqual(fs.readdirSync(outside), ['key-patches.prev.jsonl']);
  assert.equal(fs.readFileSync(path.join(outside, 'key-patches.prev.jsonl'), 'utf8'), "the user's own file");
});
