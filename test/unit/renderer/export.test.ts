/**
 * `optidel export` on a complete synthetic run folder (test/fixtures/makeRunFixture.ts): the
 * payload carries the run's real numbers, thumbnails are tiny PNGs cut from the atlases, broken
 * or missing artifacts are reported by name, and the notebook is valid nbformat 4.5.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { SelectionFile } from '../../../src/shared/artifacts';
import { ARTIFACTS, selectionFile } from '../../../src/shared/artifacts';
import { curated } from '../../../src/engine/pipeline/runArtifacts';
import { parseSubsetPayload, SUBSET_MIME } from '../../../src/shared/subsetPayload';
import {
  interleaveSelections,
  samplesToExport,
  subsetPayloadFromRun,
} from '../../../src/engine/export/subsetPayloadFromRun';
import { subsetNotebookText } from '../../../src/engine/export/notebook';
import { scatterPoints } from '../../../src/engine/export/subsetCharts';
import { makeRunFixture, toFlatSynth, type RunFixture } from '../../fixtures/makeRunFixture';
import { runCli } from '../../helpers/engine';
import { decideNotebookRunDir } from '../../../src/host/pathPolicy';

let tmp: string;
let fixture: RunFixture;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-export-'));
  fixture = makeRunFixture(path.join(tmp, 'run'), { samples: 120 });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function readF32(file: string): Float32Array {
  const bytes = fs.readFileSync(file);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('subsetPayloadFromRun', () => {
  it("carries every pool sample with the run's difficulty, projection, curated selections and provenance", async () => {
    // Each subset as training uses it: the fixture's optidel selection carries hand curation.
    const subsetOf = (method: string): number[] =>
      curated(JSON.parse(fs.readFileSync(path.join(fixture.runDir, selectionFile(method)), 'utf8')) as SelectionFile)
        .ids;
    assert.notDeepEqual(subsetOf('optidel'), fixture.selected.optidel, 'the curation changes the subset');
    const payload = parseSubsetPayload(JSON.parse(JSON.stringify(await subsetPayloadFromRun(fixture.runDir))));
    const difficulty = readF32(path.join(fixture.runDir, ARTIFACTS.difficulty));
    const projection = readF32(path.join(fixture.runDir, ARTIFACTS.projection));
    assert.equal(payload.summary.poolSize, 120);
    assert.equal(payload.summary.method, 'optidel');
    assert.deepEqual(payload.summary.methods, ['optidel', 'kcenter', 'random']);
    assert.equal(payload.summary.selectedCount, subsetOf('optidel').length);
    assert.deepEqual(payload.summary.vInformation, { hYEmpty: 1.2, hYGivenX: 0.7, value: 0.5 });
    assert.equal(payload.summary.synthesized, fixture.synthIds.length);
    assert.equal(payload.run?.dir, path.resolve(fixture.runDir));
    assert.equal(payload.samples.length, 120);
    for (const s of payload.samples) {
      assert.ok(
        Math.abs(s.difficulty - difficulty[s.id]!) <= 1e-5 * Math.abs(difficulty[s.id]!),
        `difficulty of ${s.id}`,
      );
      assert.ok(
        Math.abs(s.embedding[0] - projection[2 * s.id]!) < 1e-4 &&
          Math.abs(s.embedding[1] - projection[2 * s.id + 1]!) < 1e-4,
      );
      assert.equal(s.selected, subsetOf('optidel').includes(s.id));
      for (const method of fixture.methods)
        assert.equal(s.selectedBy!.includes(method), subsetOf(method).includes(s.id), `${method} ${s.id}`);
      assert.match(s.provenance!.source, /^\/data\/demo\/patient-0\d\.nii\.gz$/);
    }
  });

  it('names the methods selected on the hierarchical path, with their hierarchies', async () => {
    const run = makeRunFixture(path.join(tmp, 'hierarchical'), { samples: 40, images: false, sampleScores: false });
    const file = path.join(run.runDir, selectionFile('kcenter'));
    const hierarchy = { branching: 32, levels: 2, leaves: 9 };
    const selection = JSON.parse(fs.readFileSync(file, 'utf8')) as SelectionFile;
    fs.writeFileSync(file, JSON.stringify({ ...selection, options: { hierarchical: hierarchy } }));
    const payload = parseSubsetPayload(
      JSON.parse(JSON.stringify(await subsetPayloadFromRun(run.runDir, { method: 'kcenter', paths: 'strip' }))),
    );
    assert.deepEqual(payload.summary.hierarchical, { kcenter: hierarchy }, 'the exact ones are not listed');
    assert.equal(payload.title, 'OptiDEL subset · kcenter (hierarchical, 2 levels)');
  });

  it('embeds tiny PNG thumbnails for the first samples of each selection, within the cap', async () => {
    const payload = await subsetPayloadFromRun(fixture.runDir, { maxThumbnails: 7, thumbnailSize: 24 });
    const withThumbs = payload.samples.filter((s) => s.thumbnail);
    assert.equal(withThumbs.length, 7);
    const expected = interleaveSelections(
      ['optidel', 'kcenter', 'random'].map((m) => ({ method: m, selected: fixture.selected[m]! }) as never),
      7,
    );
    assert.deepEqual(
      withThumbs.map((s) => s.id).sort((a, b) => a - b),
      [...expected].sort((a, b) => a - b),
    );
    assert.equal(expected[0], fixture.selected.optidel![0]);
    const png = Buffer.from(withThumbs[0]!.thumbnail!.split(',')[1]!, 'base64');
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 24, 24]);
    const stats = await sharp(png).stats();
    assert.ok(stats.channels[0]!.stdev > 5, 'the thumbnail shows an image, not a flat tile');
  });

  it('skips a broken selection file with its reason and goes on', async () => {
    const run = makeRunFixture(path.join(tmp, 'broken'), { samples: 40, images: false });
    fs.writeFileSync(path.join(run.runDir, selectionFile('random')), '{ "method": "random", ');
    fs.writeFileSync(
      path.join(run.runDir, selectionFile('kcenter')),
      JSON.stringify({ version: 1, method: 'kcenter', budget: 0.1, selected: [3, 999] }),
    );
    const skipped: string[] = [];
    const payload = await subsetPayloadFromRun(run.runDir, {
      onSkip: (file, reason) => skipped.push(`${path.basename(file)}: ${reason}`),
    });
    assert.deepEqual(payload.summary.methods, ['optidel']);
    assert.equal(skipped.length, 2);
    assert.match(skipped.join('\n'), /kcenter\.json: "selected" holds 999, not a pool sample id \(0 to 39\)/);
    assert.match(skipped.join('\n'), /random\.json: .*not valid JSON/);
    assert.equal(payload.samples.filter((s) => s.thumbnail).length, 0, 'no thumbs folder: no thumbnails, no failure');
  });

  it('goes on without the thumbnails of a corrupt atlas or index, saying which file', async () => {
    const run = makeRunFixture(path.join(tmp, 'atlas'), { samples: 300 });
    const atlases = fs
      .readdirSync(path.join(run.runDir, 'thumbs'))
      .filter((f) => f.endsWith('.png'))
      .sort();
    assert.ok(atlases.length >= 2, `the fixture has several atlases (${atlases.join(', ')})`);
    fs.writeFileSync(path.join(run.runDir, 'thumbs', atlases[0]!), 'not a png');
    const skipped: string[] = [];
    const payload = await subsetPayloadFromRun(run.runDir, {
      maxThumbnails: 60,
      onSkip: (file, reason) => skipped.push(`${path.basename(file)}: ${reason}`),
    });
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!, new RegExp(`^${atlases[0]!.replace('.', '\\.')}: `));
    const thumbs = payload.samples.filter((s) => s.thumbnail).length;
    assert.ok(thumbs > 0 && thumbs < 60, `thumbnails from the good atlases only (${thumbs})`);

    fs.writeFileSync(path.join(run.runDir, ARTIFACTS.thumbsIndex), JSON.stringify({ size: 32 }));
    skipped.length = 0;
    const without = await subsetPayloadFromRun(run.runDir, {
      onSkip: (file, reason) => skipped.push(`${path.basename(file)}: ${reason}`),
    });
    assert.equal(without.samples.filter((s) => s.thumbnail).length, 0);
    assert.match(
      skipped.join('\n'),
      /index\.json: no thumbnails: .*"size" and "columns" must be positive integers; ingest again to rebuild the thumbnails/,
    );
  });

  it('names the missing artifact and the command that makes it', async () => {
    const run = makeRunFixture(path.join(tmp, 'missing'), { samples: 20, images: false });
    fs.rmSync(path.join(run.runDir, ARTIFACTS.projection));
    await assert.rejects(
      subsetPayloadFromRun(run.runDir),
      /scores\/projection\.f32 is missing: run "optidel score --run/,
    );
    await assert.rejects(
      subsetPayloadFromRun(fixture.runDir, { method: 'meddel' }),
      /no selection for method "meddel"; it has: kcenter, optidel, random/,
    );
    fs.writeFileSync(path.join(run.runDir, ARTIFACTS.projection), Buffer.alloc(12));
    await assert.rejects(subsetPayloadFromRun(run.runDir), /holds 3 float32 values, expected 40/);
  });

  it("counts the shown method's own generated samples, also from an older run's flat synth/", async () => {
    const run = makeRunFixture(path.join(tmp, 'flat-synth'), { samples: 20, imageSize: 16 });
    const synthesized = async (method: string) =>
      (await subsetPayloadFromRun(run.runDir, { method })).summary.synthesized;
    assert.equal(await synthesized('optidel'), run.synthIds.length);
    assert.equal(await synthesized('random'), undefined, "optidel's samples are not random's");
    toFlatSynth(run.runDir, 'optidel');
    assert.equal(await synthesized('optidel'), run.synthIds.length, 'the flat index names optidel in madeFrom');
    assert.equal(await synthesized('random'), undefined);
  });
});

describe('samplesToExport', () => {
  it('keeps every selected sample and an even spread of the rest when the pool is too large', () => {
    const selected = new Map([
      [5, 1],
      [500, 1],
      [999, 1],
    ]);
    const ids = samplesToExport(1000, selected, 100);
    assert.equal(ids.length, 100);
    for (const id of selected.keys()) assert.ok(ids.includes(id));
    const gaps = ids.slice(1).map((id, k) => id - ids[k]!);
    assert.ok(Math.max(...gaps) <= 20, `evenly spread (largest gap ${Math.max(...gaps)})`);
    assert.deepEqual(
      samplesToExport(50, selected, 100),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});

describe('the exported notebook', () => {
  it('is nbformat 4.5 with the payload as a display_data output and the Python that remakes it', async () => {
    const payload = await subsetPayloadFromRun(fixture.runDir, { maxThumbnails: 3 });
    const notebook = JSON.parse(subsetNotebookText(payload));
    assert.equal(notebook.nbformat, 4);
    assert.equal(notebook.nbformat_minor, 5);
    assert.deepEqual(
      notebook.cells.map((c: { cell_type: string; id: string }) => `${c.cell_type}:${c.id}`),
      ['markdown:optidel-summary', 'code:optidel-subset'],
    );
    const output = notebook.cells[1].outputs[0];
    assert.equal(output.output_type, 'display_data');
    assert.deepEqual(parseSubsetPayload(output.data[SUBSET_MIME]), JSON.parse(JSON.stringify(payload)));
    assert.match(output.data['text/plain'].join(''), /12 of 120 samples selected/);
    const source = notebook.cells[1].source.join('');
    // The Python package remakes the output; npx of a bare name would fetch and run any package by that name.
    assert.match(source, /^from optidel import load_run$/m);
    assert.match(source, /^load_run\(run_dir\)\.subset\("optidel"\)$/m);
    assert.doesNotMatch(source.replace(/^#.*$/gm, ''), /npx|subprocess/);
    // Viewers without the renderer: static HTML drawn from the same payload, and text.
    const html = output.data['text/html'].join('');
    assert.equal(html.match(/<circle /g)?.length, 120);
    assert.equal(html.match(/<img /g)?.length, payload.samples.filter((s) => s.selected && s.thumbnail).length);
    assert.doesNotMatch(html, /<script|https?:/);
    // Viewers that show no HTML: the two charts as a PNG, each selected sample's point in black.
    const png = await sharp(Buffer.from(output.data['image/png'], 'base64'))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([png.info.width, png.info.height], [640, 200]);
    for (const p of scatterPoints(payload.samples).filter((q) => q.selected))
      assert.equal(png.data[Math.round(p.y) * 640 + Math.round(p.x)], 0, `point at ${p.x}, ${p.y}`);
    assert.ok(png.data.filter((v) => v === 170).length > 100, 'the pool in grey');
    assert.match(notebook.cells[0].source.join(''), /\| optidel \| 12 \|/);
  });

  it('is written by the command line, which reports what it wrote', () => {
    const out = path.join(tmp, 'cli', 'subset.ipynb');
    const run = runCli(['export', '--run', fixture.runDir, '--out', out, '--thumbnails', '5', '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.json?.samples, 120);
    assert.equal(run.json?.thumbnails, 5);
    assert.equal(run.json?.bytes, fs.statSync(out).size);
    const bad = runCli(['export', '--run', path.join(tmp, 'nowhere'), '--out', out]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /run folder .*nowhere does not exist/);
  });
});

describe('exports for sharing outside the hospital', () => {
  /** A run whose pool sits in folders named after patients, ingested from a config in the project folder. */
  function clinicalRun(name: string) {
    const project = path.join(tmp, name, 'Thesis of Dr Jones');
    const run = makeRunFixture(path.join(project, '.optidel', 'runs', 'Smith_John-2026'), { samples: 30, sources: 3 });
    const pool = path.join(project, 'pool');
    const patients = ['Smith^John', 'Doe^Jane', 'Roe^Richard'];
    const indexFile = path.join(run.runDir, ARTIFACTS.cacheIndex);
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    for (const sample of index.samples) {
      const patient = patients[Number(/patient-(\d+)/.exec(sample.source)![1]) - 1]!;
      sample.source = path.join(pool, patient, 'CT.nii.gz');
    }
    fs.writeFileSync(indexFile, JSON.stringify(index));
    const runFile = path.join(run.runDir, 'run.json');
    const record = JSON.parse(fs.readFileSync(runFile, 'utf8'));
    fs.writeFileSync(runFile, JSON.stringify({ ...record, configPath: path.join(project, 'optidel.json') }));
    return { project, pool, runDir: run.runDir, patients };
  }

  it('--strip-paths writes a notebook with no path of the pool, the project or the run, and no patient name', () => {
    const { project, pool, runDir, patients } = clinicalRun('strip');
    const out = path.join(tmp, 'strip', 'outbox', 'subset.ipynb');
    const run = runCli(['export', '--run', runDir, '--out', out, '--strip-paths', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const text = fs.readFileSync(out, 'utf8');
    for (const secret of [pool, project, runDir, tmp, 'Smith_John', ...patients]) {
      assert.ok(!text.includes(secret), `the notebook holds ${secret}`);
    }
    const payload = parseSubsetPayload(JSON.parse(text).cells[1].outputs[0].data[SUBSET_MIME]);
    assert.equal(payload.run, undefined, 'no run folder, so no Open in Gallery');
    const sources = payload.samples.map((s) => s.provenance!.source);
    const ids = [...new Set(sources)].sort();
    assert.deepEqual(ids, ['source-0001', 'source-0002', 'source-0003'], 'one opaque id per source file');
    const first = payload.samples.filter((s) => s.provenance!.source === sources[0]).map((s) => s.id);
    const sameVolume = payload.samples.filter((s) => s.id % 3 === first[0]! % 3).map((s) => s.id);
    assert.deepEqual(first, sameVolume, 'slices of one volume keep one id');
    assert.match(JSON.parse(text).cells[1].source.join(''), /run_dir = "RUN_DIR"/);
  });

  it('--relative-paths names sources from the config folder, the run from the notebook; the host resolves it', () => {
    const { project, runDir } = clinicalRun('relative');
    const out = path.join(project, 'notebooks', 'subset.ipynb');
    const run = runCli(['export', '--run', runDir, '--out', out, '--relative-paths', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const text = fs.readFileSync(out, 'utf8');
    assert.ok(!text.includes(tmp), 'no absolute path in the notebook');
    const payload = parseSubsetPayload(JSON.parse(text).cells[1].outputs[0].data[SUBSET_MIME]);
    const sources = [...new Set(payload.samples.map((s) => s.provenance!.source))].sort();
    assert.deepEqual(sources, ['pool/Doe^Jane/CT.nii.gz', 'pool/Roe^Richard/CT.nii.gz', 'pool/Smith^John/CT.nii.gz']);
    assert.equal(payload.run?.dir, '../.optidel/runs/Smith_John-2026');
    const where = { notebookDir: path.dirname(out), workspaceFolders: [project], runsFolders: [] };
    const opened = decideNotebookRunDir(payload.run!.dir!, where);
    assert.deepEqual(opened, { ok: true, path: runDir }, "Open in Gallery finds the run from the notebook's folder");
  });

  it('refuses both flags at once', () => {
    const out = path.join(tmp, 'both.ipynb');
    const bad = runCli(['export', '--run', fixture.runDir, '--out', out, '--relative-paths', '--strip-paths']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--relative-paths or --strip-paths, not both/);
  });
});
