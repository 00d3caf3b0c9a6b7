/**
 * The key-patch file (keyPatchesFile.ts over jsonLines.ts): written and read in chunks of a few
 * bytes, so that every patch line straddles a chunk boundary, what is written reads back equal;
 * version 1 files still read; truncated, damaged, linked or unknown ones are refused with the file named.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KeyPatch, KeyPatchFile } from '../../../src/shared/artifacts';
import { readKeyPatchesFile, writeKeyPatchesFile, type KeyPatchFileV1 } from '../../../src/shared/node/keyPatchesFile';

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
  await writeKeyPatchesFile(path.join(dir, RELATIVE), content, chunkBytes);
  return dir;
}

test('written and read in chunks of 7 and 5 bytes, the patches and the header round-trip', async () => {
  const dir = await written('round-trip');
  const header = JSON.parse(fs.readFileSync(path.join(dir, RELATIVE), 'utf8'));
  assert.deepEqual(header, { proposer: CONTENT.proposer, windows: CONTENT.windows, version: 2, patchCount: 30 });
  const lines = fs.readFileSync(path.join(dir, 'patches/key-patches.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 30, 'one patch a line');
  assert.deepEqual(await readKeyPatchesFile(dir, RELATIVE, { chunkBytes: 5 }), CONTENT);
});

test("fields beside KeyPatchFile's (a shard part's userOrder) travel in the header; no patches is a file too", async () => {
  const part = { proposer: 'user boxes', patches: [], userOrder: [2, 0, 1] };
  const dir = await written('extra', part);
  assert.deepEqual(await readKeyPatchesFile<typeof part>(dir, RELATIVE), part);
  assert.equal(fs.readFileSync(path.join(dir, 'patches/key-patches.jsonl'), 'utf8'), '');
});

test('a version 1 file (patches inline) still reads, and no .jsonl is needed for it', async () => {
  const dir = path.join(root, 'v1');
  const v1: KeyPatchFileV1 = { version: 1, ...CONTENT };
  fs.mkdirSync(path.join(dir, 'patches'), { recursive: true });
  fs.writeFileSync(path.join(dir, RELATIVE), JSON.stringify(v1));
  assert.deepEqual(await readKeyPatchesFile(dir, RELATIVE), CONTENT);
  fs.writeFileSync(path.join(dir, RELATIVE), JSON.stringify({ ...v1, patches: {} }));
  await assert.rejects(
    readKeyPatchesFile(dir, RELATIVE),
    /key-patches\.json: "patches" must be an array; run "optidel propose" again/,
  );
});

test('a truncated, damaged or unknown file is refused, naming the file and the fix', async () => {
  const dir = await written('damaged');
  const header = path.join(dir, RELATIVE);
  const lines = path.join(dir, 'patches/key-patches.jsonl');
  const full = fs.readFileSync(lines, 'utf8').split('\n');
  const fix = { fix: 'delete it' };
  fs.writeFileSync(lines, full.slice(0, 12).join('\n') + '\n');
  await assert.rejects(
    readKeyPatchesFile(dir, RELATIVE, fix),
    /key-patches\.jsonl: holds 12 key patches, .*key-patches\.json says 30; delete it/,
  );
  fs.writeFileSync(lines, [full[0], '{"id": 1, "sampl', ...full.slice(2)].join('\n'));
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE), /key-patches\.jsonl: line 2 is not valid JSON/);
  fs.writeFileSync(lines, [full[0], '[1, 2]', ...full.slice(2)].join('\n'));
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE), /key-patches\.jsonl: line 2: not a key patch object/);
  fs.writeFileSync(lines, [full[0], `{"id":1,"x":${'['.repeat(100)}${']'.repeat(100)}}`, ...full.slice(2)].join('\n'));
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE), /key-patches\.jsonl: line 2: x.*nested more than 64 levels/);
  fs.rmSync(lines);
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE), /key-patches\.json: key-patches\.jsonl beside it is missing/);
  fs.writeFileSync(header, JSON.stringify({ proposer: 'x', version: 3, patchCount: 0 }));
  await assert.rejects(
    readKeyPatchesFile(dir, RELATIVE),
    /key-patches\.json: key-patch file version 3 is not one this OptiDEL reads \(1 or 2\); update OptiDEL, or run "optidel propose" again/,
  );
  fs.writeFileSync(header, JSON.stringify({ proposer: 'x', version: 2, patchCount: -1 }));
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE), /"patchCount" must be a whole number/);
  fs.rmSync(header);
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE), { code: 'ENOENT' });
});

test('a patch file linked from elsewhere is refused, not read', async () => {
  const dir = await written('linked');
  const outside = await written('outside', { ...CONTENT, patches: patches(2) });
  const lines = path.join(dir, 'patches/key-patches.jsonl');
  fs.rmSync(lines);
  fs.symlinkSync(path.join(outside, 'patches/key-patches.jsonl'), lines);
  await assert.rejects(readKeyPatchesFile(dir, RELATIVE), /key-patches\.jsonl" goes through the symbolic link/);
});

test('a failed write leaves the file it would have replaced as it was', async () => {
  const dir = await written('kept');
  const broken = { ...CONTENT, patches: [...patches(20), { id: 20, big: 10n } as unknown as KeyPatch] };
  await assert.rejects(writeKeyPatchesFile(path.join(dir, RELATIVE), broken, 7), /BigInt/);
  assert.deepEqual(await readKeyPatchesFile(dir, RELATIVE), CONTENT);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'patches')).sort(), ['key-patches.json', 'key-patches.jsonl']);
});
