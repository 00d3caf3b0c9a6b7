import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeRunFixture, toFlatSynth } from '../../fixtures/makeRunFixture';
import { synthIndexFile } from '../../../src/shared/run/layout';
import { PathGuardError, resolveInRun } from '../../../src/host/panels/pathGuard';
import { buildWebviewHtml, contentSecurityPolicy, makeNonce } from '../../../src/host/panels/webviewHtml';
import { loadRunViewData, watchedArtifacts } from '../../../src/host/panels/runData';
import { saveManualCuration } from '../../../src/shared/node/manualCuration';
import { parseViewToHost } from '../../../src/shared/viewMessages';
import type { SelectionFile } from '../../../src/shared/artifacts';
import { readKeyPatchesFile, writeKeyPatchesFile } from '../../../src/shared/node/keyPatchesFile';
import type { SampleResult } from '../../../src/shared/commands';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-views-'));
const fixtureDir = path.join(tmp(), 'run-1');
const fixture = makeRunFixture(fixtureDir, { samples: 60, imageSize: 16 });

test('the path guard resolves run-relative paths and refuses .., absolute paths and symlinks out', async () => {
  const inside = await resolveInRun(fixtureDir, 'thumbs/atlas-00000.png');
  assert.equal(inside, path.join(fs.realpathSync(fixtureDir), 'thumbs/atlas-00000.png'));
  for (const bad of [
    '../run.json',
    'thumbs/../../x',
    '/etc/passwd',
    'C:\\Windows\\win.ini',
    'file:///etc/passwd',
    'a\0b',
  ]) {
    await assert.rejects(resolveInRun(fixtureDir, bad), PathGuardError, bad);
  }
  const outside = path.join(tmp(), 'secret.txt');
  fs.writeFileSync(outside, 'secret');
  fs.symlinkSync(outside, path.join(fixtureDir, 'link.txt'));
  fs.symlinkSync(path.dirname(outside), path.join(fixtureDir, 'linkdir'));
  await assert.rejects(resolveInRun(fixtureDir, 'link.txt'), /outside the run folder/);
  await assert.rejects(resolveInRun(fixtureDir, 'linkdir/secret.txt'), /outside the run folder/);
  await assert.rejects(resolveInRun(fixtureDir, 'nope.png'), /no such file/);
});

test('the webview HTML has a strict CSP with the nonce on its only script', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{20,}$/);
  assert.notEqual(nonce, makeNonce());
  const html = buildWebviewHtml({
    cspSource: 'https://csp.example',
    scriptUri: 'https://csp.example/dist/webview/gallery.js',
    nonce,
    title: 'A <b>',
    view: 'gallery',
  });
  const csp = contentSecurityPolicy('https://csp.example', nonce);
  assert.ok(html.includes(csp.replace(/'/g, "'")));
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-(eval|inline)/);
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.ok(html.includes(`nonce="${nonce}"`));
  assert.ok(html.includes('A &lt;b&gt;'));
  assert.throws(
    () => buildWebviewHtml({ cspSource: 'x', scriptUri: 'y', nonce: 'a"b', title: 't', view: 'v' }),
    /nonce/,
  );
});

test('view messages are validated before the host acts on them', () => {
  assert.deepEqual(parseViewToHost({ type: 'saveManual', method: 'optidel', include: [3, 1, 3], exclude: [] }), {
    type: 'saveManual',
    method: 'optidel',
    include: [1, 3],
    exclude: [],
  });
  assert.throws(() => parseViewToHost({ type: 'saveManual', method: '../x', include: [], exclude: [] }), /method/);
  assert.throws(() => parseViewToHost({ type: 'saveManual', method: 'a', include: [-1], exclude: [] }), /include/);
  assert.throws(() => parseViewToHost({ type: 'readFile', requestId: 1.5, path: 'a' }), /requestId/);
  assert.throws(() => parseViewToHost({ type: 'eval' }), /unknown view message type/);
  assert.throws(() => parseViewToHost(null), /object/);
});

test('run data for the embedding map holds the projection, difficulty, selections and thumbnail URLs', async () => {
  const data = await loadRunViewData(fixtureDir, 'embeddingMap', (rel) => `url:${rel}`);
  assert.equal(data.samples, 60);
  assert.equal(data.projection?.length, 120);
  assert.equal(data.difficulty?.length, 60);
  assert.deepEqual(
    data.selections.map((s) => s.method),
    ['kcenter', 'optidel', 'random'],
  );
  assert.deepEqual(data.thumbs?.atlasUrls, ['url:thumbs/atlas-00000.png']);
  assert.equal(data.sources.length, 5);
  assert.equal(data.sourceOf?.[7], 2);
  assert.equal(data.bench, undefined, 'not needed by this view');
  assert.deepEqual(data.problems, []);
  assert.equal(data.stages.select, 'done');
  assert.ok(watchedArtifacts('embeddingMap').includes('scores/projection.f32'));
});

test('run data for segmentation resolves prediction paths under bench/predictions', async () => {
  const data = await loadRunViewData(fixtureDir, 'segmentation', (rel) => `url:${rel}`);
  const seg = data.predictions![0]!;
  assert.equal(seg.dataset, fixture.dataset);
  assert.equal(seg.samples[0]!.imageUrl, 'url:bench/predictions/demo-seg/images/0.png');
  assert.equal(seg.runs[0]!.predictionPaths[0], `bench/predictions/demo-seg/${seg.runs[0]!.method}-seed0/0.png`);
  await resolveInRun(fixtureDir, seg.runs[0]!.predictionPaths[0]!);
  assert.ok(data.bench!.cells.length >= 9);
});

test('a corrupt or truncated artifact is reported and skipped; the rest loads', async () => {
  const dir = path.join(tmp(), 'run-bad');
  makeRunFixture(dir, { samples: 20, imageSize: 16, images: false });
  fs.writeFileSync(path.join(dir, 'scores/difficulty.f32'), Buffer.alloc(12));
  fs.writeFileSync(path.join(dir, 'selection/random.json'), '{ not json');
  const data = await loadRunViewData(dir, 'embeddingMap', (rel) => rel);
  assert.equal(data.difficulty, undefined);
  assert.equal(data.projection?.length, 40);
  assert.deepEqual(
    data.selections.map((s) => s.method),
    ['kcenter', 'optidel'],
  );
  assert.equal(data.problems.length, 2);
  assert.match(
    data.problems.join('\n'),
    /scores\/difficulty\.f32: holds 3 float32 values, expected 20; the run has 20 samples x 1/,
  );
  assert.match(data.problems.join('\n'), /selection\/random\.json: not valid JSON/);
});

test("a shared run's links out are skipped and reported: nothing outside the run reaches a view", async () => {
  const dir = path.join(tmp(), 'run-links');
  makeRunFixture(dir, { samples: 20, imageSize: 16, images: false });
  const outside = tmp();
  // The user's own file of exactly the size the view expects, and a folder holding a valid selection.
  fs.writeFileSync(path.join(outside, 'private.bin'), Buffer.alloc(20 * 4, 7));
  fs.copyFileSync(path.join(dir, 'selection/random.json'), path.join(outside, 'theirs.json'));
  fs.rmSync(path.join(dir, 'scores/difficulty.f32'));
  fs.symlinkSync(path.join(outside, 'private.bin'), path.join(dir, 'scores/difficulty.f32'));
  fs.rmSync(path.join(dir, 'selection'), { recursive: true });
  fs.symlinkSync(outside, path.join(dir, 'selection'));
  const data = await loadRunViewData(dir, 'histogram', (rel) => rel);
  assert.equal(data.difficulty, undefined);
  assert.deepEqual(data.selections, []);
  const problems = data.problems.join('\n');
  assert.match(problems, /scores\/difficulty\.f32: .*symbolic link scores\/difficulty\.f32/);
  assert.match(problems, /selection: .*symbolic link selection\b/);
  assert.doesNotMatch(problems, /theirs/, 'not even the names of the files out there');
  // Saving the gallery's curation cannot write through the link either.
  await assert.rejects(saveManualCuration(dir, 'theirs', [1], []), /symbolic link selection/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(outside, 'theirs.json'), 'utf8')).manual, undefined);
});

test('a sparse 3 GiB scores file is refused by its size, before any of it is read', async () => {
  const dir = path.join(tmp(), 'run-sparse');
  makeRunFixture(dir, { samples: 20, imageSize: 16, images: false });
  // A few bytes in a shared tar (--sparse); read whole, it would fill the extension host's memory.
  fs.truncateSync(path.join(dir, 'scores/projection.f32'), 3 * 1024 ** 3);
  const data = await loadRunViewData(dir, 'embeddingMap', (rel) => rel);
  assert.equal(data.projection, undefined);
  assert.match(
    data.problems.join('\n'),
    /scores\/projection\.f32: holds 805306368 float32 values, expected 40; the run has 20 samples x 2/,
  );
});

test('a selection file nested 100,000 arrays deep is skipped and named, before a view is sent it', async () => {
  const dir = path.join(tmp(), 'run-deep');
  makeRunFixture(dir, { samples: 20, imageSize: 16, images: false });
  const file = path.join(dir, 'selection/random.json');
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^\{/, `{"notes": ${deep},`));
  const data = await loadRunViewData(dir, 'histogram', (rel) => rel);
  assert.deepEqual(
    data.selections.map((s) => s.method),
    ['kcenter', 'optidel'],
  );
  assert.match(
    data.problems.join('\n'),
    /selection\/random\.json: notes\[0\](\[0\])*: nested more than 64 levels deep/,
  );
});

test('key patches of version 1 and 2 reach the view alike; a too deep patch line is named and left out, a linked file not sent', async () => {
  const dir = path.join(tmp(), 'run-key-patches');
  makeRunFixture(dir, { samples: 20, imageSize: 16, images: false });
  const v1 = (await loadRunViewData(dir, 'histogram', (rel) => rel)).keyPatches;
  assert.ok(v1 && v1.length > 0, 'the fixture writes version 1');
  const file = path.join(dir, 'patches/key-patches.json');
  await writeKeyPatchesFile(
    dir,
    'patches/key-patches.json',
    await readKeyPatchesFile(dir, 'patches/key-patches.json', { warn: assert.fail }),
  );
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).version, 2);
  const v2 = await loadRunViewData(dir, 'histogram', (rel) => rel);
  assert.deepEqual(v2.keyPatches, v1);
  assert.deepEqual(v2.problems, []);
  const lines = path.join(dir, 'patches/key-patches.jsonl');
  const [first, ...rest] = fs.readFileSync(lines, 'utf8').split('\n');
  fs.writeFileSync(
    lines,
    [first!.replace(/^\{/, `{"notes": ${'['.repeat(1000)}${']'.repeat(1000)},`), ...rest].join('\n'),
  );
  const deep = await loadRunViewData(dir, 'histogram', (rel) => rel);
  assert.deepEqual(deep.keyPatches, v1!.slice(1), 'the too deep line is left out, the others shown');
  assert.match(
    deep.problems.join('\n'),
    /patches\/key-patches\.jsonl: line 1: notes(\[0\])*: nested more than 64 levels deep \(skipped\)/,
  );
  const outside = path.join(tmp(), 'theirs.jsonl');
  fs.renameSync(lines, outside);
  fs.symlinkSync(outside, lines);
  const linked = await loadRunViewData(dir, 'histogram', (rel) => rel);
  assert.equal(linked.keyPatches, undefined);
  assert.match(linked.problems.join('\n'), /key-patches\.jsonl" goes through the symbolic link/);
});

test("the gallery shows the samples synthesized last, and an older run's flat synth/", async () => {
  const dir = path.join(tmp(), 'run-synth');
  const made = makeRunFixture(dir, { samples: 20, imageSize: 16 });
  const shown = async () => {
    const data = await loadRunViewData(dir, 'gallery', (rel) => rel);
    assert.deepEqual(data.problems, []);
    return data.synth?.map((s) => s.id);
  };
  assert.deepEqual(await shown(), made.synthIds);
  // random synthesized after optidel: its sample is shown, optidel's stay in synth/optidel/.
  const later = path.join(dir, synthIndexFile('random'));
  fs.mkdirSync(path.dirname(later));
  fs.writeFileSync(
    later,
    JSON.stringify({ version: 1, imageSize: 16, samples: [{ id: 20, kind: 'adversarial', parts: [{ sampleId: 3 }] }] }),
  );
  const inAMinute = new Date(Date.now() + 60_000);
  fs.utimesSync(later, inAMinute, inAMinute);
  assert.deepEqual(await shown(), [20]);
  fs.rmSync(path.dirname(later), { recursive: true });
  toFlatSynth(dir, 'optidel');
  assert.deepEqual(await shown(), made.synthIds);
});

test('an empty run folder loads as an empty view without problems', async () => {
  const data = await loadRunViewData(tmp(), 'gallery', (rel) => rel);
  assert.equal(data.samples, 0);
  assert.deepEqual(data.problems, []);
});

test('manual curation is saved into the selection file and checked against the pool', async () => {
  const synthId = fixture.synthIds[0]!;
  const saved = await saveManualCuration(fixtureDir, 'random', [5], [fixture.selected.random![0]!]);
  const file = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'selection/random.json'), 'utf8')) as SelectionFile;
  assert.deepEqual(file.manual, { include: [5], exclude: [fixture.selected.random![0]!] });
  // A generated sample is not a pool sample: the stages could not train on it as one.
  await assert.rejects(
    saveManualCuration(fixtureDir, 'random', [synthId], []),
    new RegExp(`unknown sample ids ${synthId}`),
  );
  assert.deepEqual(file.selected, fixture.selected.random, 'the selection itself is untouched');
  assert.deepEqual(saved, file);
  await assert.rejects(saveManualCuration(fixtureDir, 'random', [9999], []), /unknown sample ids 9999/);
  await assert.rejects(saveManualCuration(fixtureDir, 'random', [1], [1]), /both included and excluded/);
  await assert.rejects(saveManualCuration(fixtureDir, 'nosuch', [1], []), /ENOENT|no such file/);
  await saveManualCuration(fixtureDir, 'random', [], []);
  assert.equal(
    (JSON.parse(fs.readFileSync(path.join(fixtureDir, 'selection/random.json'), 'utf8')) as SelectionFile).manual,
    undefined,
  );
});

test('the host answers each view message: data, guarded file reads, curation, and errors for bad input', async () => {
  const { answerViewMessage } = await import('../../../src/host/panels/viewMessageHandler');
  const toUrl = (rel: string): string => `url:${rel}`;
  const [data] = await answerViewMessage(fixtureDir, 'histogram', { type: 'ready' }, toUrl);
  assert.equal(data?.type === 'data' && data.data.difficulty?.length, 60);
  const [file] = await answerViewMessage(
    fixtureDir,
    'segmentation',
    { type: 'readFile', requestId: 4, path: 'bench/predictions/demo-seg/truth/0.png' },
    toUrl,
  );
  assert.ok(file?.type === 'file' && file.requestId === 4 && file.bytes && file.bytes[1] === 0x50, 'PNG bytes');
  const [refused] = await answerViewMessage(
    fixtureDir,
    'segmentation',
    { type: 'readFile', requestId: 5, path: '../run-1/run.json' },
    toUrl,
  );
  assert.ok(refused?.type === 'file' && !refused.bytes && /"\.\." is not allowed/.test(refused.error ?? ''));
  const [bad] = await answerViewMessage(
    fixtureDir,
    'gallery',
    { type: 'saveManual', method: 'optidel', include: [100000], exclude: [] },
    toUrl,
  );
  assert.ok(
    bad?.type === 'error' && /could not save the curation of optidel: unknown sample ids 100000/.test(bad.message),
  );
  const [unknown] = await answerViewMessage(fixtureDir, 'gallery', { type: 'runShell', command: 'rm' }, toUrl);
  assert.ok(unknown?.type === 'error' && /unknown view message type/.test(unknown.message));
});

test('sample messages go to the panel’s actions: the engine’s base64 slabs arrive as bytes, failures as messages', async () => {
  const { answerViewMessage } = await import('../../../src/host/panels/viewMessageHandler');
  const toUrl = (rel: string): string => `url:${rel}`;
  const calls: string[] = [];
  const served: SampleResult = {
    id: 3,
    source: '/data/ct.nii.gz',
    file: '/data/ct.nii.gz',
    kind: 'volume',
    axis: 2,
    slab: { total: 4, first: 0, count: 4, sampleSlice: 2 },
    dims: [2, 2, 4],
    spacing: [1, 1, 2],
    window: { level: 40, width: 400, label: 'ct-window L40 W400' },
    nifti: Buffer.from([1, 2, 3]).toString('base64'),
    mask: { dataset: 'organs', labels: [1], nifti: Buffer.from([9]).toString('base64') },
    notes: [],
    keyPatches: [],
  };
  const actions = {
    serve: async (id: number) => {
      calls.push(`serve ${id}`);
      if (id !== 3) throw new Error(`sample: --sample ${id} is not in the pool`);
      return served;
    },
    reveal: async (id: number) => void calls.push(`reveal ${id}`),
    open: async (id: number) => void calls.push(`open ${id}`),
    similar: async (id: number) => {
      calls.push(`similar ${id}`);
      return {
        sample: { id, source: 'a.nii.gz' },
        neighbours: [{ id: 4, similarity: 0.5, source: 'b.nii.gz', slice: 2 }],
      };
    },
  };
  const [reply] = await answerViewMessage(fixtureDir, 'sample', { type: 'loadSample', sampleId: 3 }, toUrl, actions);
  assert.ok(reply?.type === 'sample' && reply.sample);
  assert.deepEqual([...reply.sample.nifti], [1, 2, 3]);
  assert.deepEqual([...reply.sample.mask!.nifti], [9]);
  assert.equal(reply.sample.patches, undefined);
  const [missing] = await answerViewMessage(fixtureDir, 'sample', { type: 'loadSample', sampleId: 7 }, toUrl, actions);
  assert.ok(missing?.type === 'sample' && !missing.sample && /7 is not in the pool/.test(missing.error ?? ''));
  assert.deepEqual(
    await answerViewMessage(fixtureDir, 'gallery', { type: 'openSample', sampleId: 5 }, toUrl, actions),
    [],
  );
  await answerViewMessage(fixtureDir, 'sample', { type: 'revealSource', sampleId: 3 }, toUrl, actions);
  // Find similar: the engine's neighbours, ids and similarities only (the view has the provenance).
  assert.deepEqual(
    await answerViewMessage(fixtureDir, 'gallery', { type: 'findSimilar', sampleId: 3 }, toUrl, actions),
    [{ type: 'similar', sampleId: 3, neighbours: [{ id: 4, similarity: 0.5 }] }],
  );
  assert.deepEqual(calls, ['serve 3', 'serve 7', 'open 5', 'reveal 3', 'similar 3']);
  const [noSearch] = await answerViewMessage(fixtureDir, 'gallery', { type: 'findSimilar', sampleId: 3 }, toUrl);
  assert.ok(noSearch?.type === 'similar' && /cannot ask the engine/.test(noSearch.error ?? ''));
  const [bad] = await answerViewMessage(fixtureDir, 'sample', { type: 'revealSource', sampleId: -1 }, toUrl, actions);
  assert.ok(bad?.type === 'error' && /"sampleId" must be a non-negative integer/.test(bad.message));
  const [noEngine] = await answerViewMessage(fixtureDir, 'sample', { type: 'loadSample', sampleId: 3 }, toUrl);
  assert.ok(noEngine?.type === 'sample' && /cannot ask the engine/.test(noEngine.error ?? ''));
});

test("a view's file read is refused by size before it is read: a sparse 3 GiB label map in a shared run", async () => {
  const { answerViewMessage } = await import('../../../src/host/panels/viewMessageHandler');
  const dir = path.join(tmp(), 'run-sparse-png');
  makeRunFixture(dir, { samples: 20, imageSize: 16 });
  const relative = 'bench/predictions/demo-seg/truth/0.png';
  fs.truncateSync(path.join(dir, relative), 3 * 1024 ** 3);
  const [reply] = await answerViewMessage(
    dir,
    'segmentation',
    { type: 'readFile', requestId: 9, path: relative },
    (r) => r,
  );
  assert.ok(reply?.type === 'file' && reply.requestId === 9 && !reply.bytes, JSON.stringify(reply));
  assert.match(
    reply.error ?? '',
    /bench\/predictions\/demo-seg\/truth\/0\.png is 3221225472 bytes, more than the 67108864 a view reads; write it again with the stage that makes it/,
  );
});
