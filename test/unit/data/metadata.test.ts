/**
 * Metadata to filter and balance by: DICOM tags of series written by pydicom (an independent
 * writer), MetaImage and NRRD header fields of files written by numpy, the user's CSV columns with its bad and hostile rows refused, and the gallery's filter
 * on them through the same loader and model the view uses.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCsvRecords } from '../../../src/engine/data/csvRecords';
import { loadRunViewData } from '../../../src/host/panels/runData';
import { ARTIFACTS, type MetadataFile } from '../../../src/shared/artifacts';
import { sampleFields } from '../../../webview/common/sampleFields';
import { galleryItems, manualOf } from '../../../webview/gallery/model';
import { runCli } from '../../helpers/engine';
import { independentFixtures, libraryFixtures } from './independentFixtures';
import { readCacheIndexFile } from '../../../src/shared/node/cacheIndexFile';

const fixtures = libraryFixtures('pydicomMetadata');

interface SeriesManifest {
  folder: string;
  uid: string;
  slices: number;
  tags: Record<string, string>;
}

/** The pydicom pool copied beside a config naming `csv` (written when given) as ingest.metadata. */
function poolWithCsv(
  csvName: string,
  csv?: string,
  extra: Record<string, unknown> = {},
): { dir: string; config: string; manifest: SeriesManifest[] } {
  const source = (fixtures as { dir: string }).dir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-metadata-'));
  fs.cpSync(path.join(source, 'pool'), path.join(dir, 'pool'), { recursive: true });
  if (csv !== undefined) fs.writeFileSync(path.join(dir, csvName), csv);
  const config = path.join(dir, 'optidel.json');
  fs.writeFileSync(config, JSON.stringify({ pool: ['pool'], imageSize: 16, ingest: { metadata: csvName }, ...extra }));
  const manifest = JSON.parse(fs.readFileSync(path.join(source, 'manifest.json'), 'utf8')) as SeriesManifest[];
  return { dir, config, manifest };
}

function ingest(config: string, runDir: string): MetadataFile {
  const r = runCli(['ingest', '--config', config, '--out', runDir, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(path.join(runDir, ARTIFACTS.metadata), 'utf8')) as MetadataFile;
}

const CSV = [
  'path,site,"scanner, room"',
  'site-a,A,"CT 1, basement"',
  'site-b,B,MR 2',
  'site-b/mixed,B-mixed,MR 3',
  '../outside,evil,x',
  '/etc/passwd,evil,x',
  'site-a/ct,too,many,fields',
  'site-b,again,x',
  '',
].join('\n');

test('MetaImage and NRRD headers give format, datatype, voxel size, Modality and description at ingest', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-metadata-volumes-'));
  const pool = path.join(dir, 'pool');
  fs.mkdirSync(pool);
  const files = ['mha_int16.mha', 'mha_zlib_be.mha', 'nrrd_raw.nrrd', 'nrrd_gzip_be.nrrd'];
  for (const f of files) fs.copyFileSync(path.join(independentFixtures(), f), path.join(pool, f));
  const config = path.join(dir, 'optidel.json');
  fs.writeFileSync(config, JSON.stringify({ pool: ['pool'], imageSize: 16 }));
  const metadata = ingest(config, path.join(dir, 'run'));
  const of = (name: string) => metadata.sources[path.join(pool, name)];
  // As the writer (write_fixtures.py) wrote them: spacing 1 1 2, the types, Modality and content.
  assert.deepEqual(of('mha_int16.mha'), {
    format: 'MetaImage',
    datatype: 'int16',
    pixdim: '1 x 1 x 2',
    Modality: 'CT',
  });
  assert.deepEqual(of('mha_zlib_be.mha'), { format: 'MetaImage', datatype: 'float32', pixdim: '1 x 1 x 2' });
  assert.deepEqual(of('nrrd_raw.nrrd'), {
    format: 'NRRD',
    datatype: 'int16',
    pixdim: '1 x 1 x 2',
    descrip: 'phantom, written by numpy',
  });
  assert.deepEqual(of('nrrd_gzip_be.nrrd'), { format: 'NRRD', datatype: 'float32', pixdim: '1 x 1 x 2' });
  for (const column of ['Modality', 'format', 'datatype', 'pixdim', 'descrip'])
    assert.ok(metadata.columns.includes(column), `${column} in ${metadata.columns}`);
  assert.deepEqual(metadata.problems, []);
});

test('CSV records: quoted commas, doubled quotes and line breaks; an open quote is reported', () => {
  const { records } = parseCsvRecords('a,"b, c","say ""hi"""\r\n"two\nlines",x,\n');
  assert.deepEqual(records, [
    { line: 1, fields: ['a', 'b, c', 'say "hi"'] },
    { line: 2, fields: ['two\nlines', 'x', ''] },
  ]);
  assert.match(parseCsvRecords('a,"b\n').problem ?? '', /line 1: a quoted field is not closed/);
});

test(
  'DICOM tags written by pydicom are kept per series, CSV columns by folder; bad and hostile rows are reported, not fatal',
  { skip: 'skip' in fixtures ? fixtures.skip : false },
  async () => {
    const { dir, config, manifest } = poolWithCsv('sites.csv', CSV);
    const runDir = path.join(dir, 'run');
    const metadata = ingest(config, runDir);
    const index = await readCacheIndexFile(runDir);
    const sources = [...new Set(index.samples.map((s) => s.source))];
    assert.equal(sources.length, 4);
    for (const series of manifest) {
      const folder = path.join(dir, series.folder);
      // Two series share the mixed folder: their sources are told apart by SeriesInstanceUID.
      const source = sources.find((s) => s === folder) ?? sources.find((s) => s === `${folder}#series=${series.uid}`);
      assert.ok(source, `${series.folder} among ${sources}`);
      const kept = metadata.sources[source];
      for (const [tag, value] of Object.entries(series.tags)) assert.equal(kept[tag], value, `${series.folder} ${tag}`);
      assert.equal(kept.SeriesInstanceUID, series.uid);
      const expectedSite = series.folder.includes('mixed') ? 'B-mixed' : series.folder.includes('site-a') ? 'A' : 'B';
      assert.equal(kept.site, expectedSite, series.folder);
    }
    assert.equal(metadata.sources[path.join(dir, 'pool/site-a/ct')]!['scanner, room'], 'CT 1, basement');
    assert.deepEqual(
      metadata.problems.map((p) => /line (\d+) skipped: (.*)/.exec(p)?.slice(1)),
      [
        ['5', 'the path "../outside" contains ".." (".." is not allowed)'],
        ['6', 'the path "/etc/passwd" is an absolute path (absolute paths are not allowed)'],
        ['7', '4 fields, the header has 3'],
        ['8', '"site-b" has a row already'],
      ],
    );
  },
);

test(
  'the gallery filters by a DICOM tag: Manufacturer Globex is exactly the Globex series’ slices',
  { skip: 'skip' in fixtures ? fixtures.skip : false },
  async () => {
    const { dir, config, manifest } = poolWithCsv('sites.csv', CSV);
    const runDir = path.join(dir, 'run');
    ingest(config, runDir);
    const data = await loadRunViewData(runDir, 'gallery', (p) => p);
    const field = sampleFields(data, '').find((f) => f.key === 'meta:Manufacturer');
    assert.ok(field && field.kind === 'category', data.problems.join('; '));
    for (const manufacturer of ['ACME Medical', 'Globex', 'Initech']) {
      const shown = galleryItems(data, 'all', 'id', new Set(), manualOf(undefined), {
        fieldFilter: { field, category: field.labels.indexOf(manufacturer) },
      });
      const expected = manifest
        .filter((s) => s.tags.Manufacturer === manufacturer)
        .reduce((sum, s) => sum + s.slices, 0);
      assert.equal(shown.length, expected, manufacturer);
      for (const id of shown) {
        const series = manifest.find((s) => data.sources[data.sourceOf![id]!]!.startsWith(path.join(dir, s.folder)));
        assert.ok(series && (series.folder.endsWith('mixed') || series.tags.Manufacturer === manufacturer));
      }
    }
  },
);

test(
  "a CSV outside the config's folder, or reached through a link, is refused with the reason; ingest goes on",
  { skip: 'skip' in fixtures ? fixtures.skip : false },
  () => {
    const outside = poolWithCsv('../elsewhere.csv');
    const first = ingest(outside.config, path.join(outside.dir, 'run'));
    assert.match(first.problems.join('\n'), /ingest\.metadata \(\.\.\/elsewhere\.csv\) contains "\.\."/);
    assert.ok(first.columns.includes('Manufacturer'), 'the DICOM tags are still kept');

    const linked = poolWithCsv('linked.csv');
    const secret = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-secret-')), 'secret.csv');
    fs.writeFileSync(secret, 'path,leak\nsite-a,secret\n');
    fs.symlinkSync(secret, path.join(linked.dir, 'linked.csv'));
    const second = ingest(linked.config, path.join(linked.dir, 'run'));
    assert.ok(!second.columns.includes('leak'));
    assert.match(second.problems.join('\n'), /ingest\.metadata \(linked\.csv\).*link/);
  },
);

test(
  'select balances by a DICOM tag: from the config, or --balance-by; the column is recorded in the selection file',
  { skip: 'skip' in fixtures ? fixtures.skip : false },
  () => {
    const { dir, config, manifest } = poolWithCsv('sites.csv', CSV, { selection: { balanceBy: 'InstitutionName' } });
    const runDir = path.join(dir, 'run');
    ingest(config, runDir);
    for (const args of [
      ['pretrain', '--run', runDir, '--preset', 'micro', '--steps', '3'],
      ['score', '--run', runDir, '--masks', '1'],
    ]) {
      const r = runCli(args, { timeoutMs: 300_000 });
      assert.equal(r.status, 0, r.stderr);
    }
    const pool = (tag: string, value: string) =>
      manifest.filter((s) => s.tags[tag] === value).reduce((sum, s) => sum + s.slices, 0);
    for (const [flag, column] of [
      [[], 'InstitutionName'],
      [['--balance-by', 'Manufacturer'], 'Manufacturer'],
    ] as const) {
      const r = runCli([
        'select',
        '--run',
        runDir,
        '--method',
        'random',
        '--budget',
        '5',
        ...flag,
        '--masks',
        '1',
        '--json',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const balance = r.json!.balance as {
        column: string;
        parts: Array<{ value: string; pool: number; selected: number }>;
      };
      assert.equal(balance.column, column);
      assert.equal(
        balance.parts.reduce((sum, p) => sum + p.selected, 0),
        5,
      );
      for (const part of balance.parts) {
        assert.equal(part.pool, pool(column, part.value), part.value);
        assert.ok(
          Math.abs(part.selected - (5 * part.pool) / 10) < 1,
          `${part.value}: ${part.selected} of ${part.pool}`,
        );
      }
      const file = JSON.parse(fs.readFileSync(path.join(runDir, 'selection/random.json'), 'utf8'));
      assert.equal(file.options.balanceBy, column);
    }
    const bad = runCli(['select', '--run', runDir, '--method', 'random', '--balance-by', 'Scanner', '--json']);
    assert.notEqual(bad.status, 0);
    assert.match((bad.json!.error as { message: string }).message, /"Scanner" is not a metadata column.*Manufacturer/);
  },
);
