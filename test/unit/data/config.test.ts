/** loadConfig: schema validation with errors naming the key, defaults, relative paths. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import schema from '../../../src/shared/schemas/optidel.schema.json';
import { loadConfig, parseConfig } from '../../../src/engine/config/loadConfig';
import { SUPPORTED_KEYWORDS } from '../../../src/engine/config/schemaValidator';
import { INGEST_CEILINGS } from '../../../src/shared/config';
import { sampleOptions } from '../../../src/engine/data/ingest';

const FILE = '/work/project/optidel.json';

function problems(raw: unknown): string {
  try {
    parseConfig(raw, FILE);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

test('relative paths resolve against the config file; defaults fill the rest', () => {
  const { config, dir } = parseConfig(
    {
      pool: ['data/ct', '/abs/mr', 'x/**/*.png'],
      downstream: [{ name: 'a', images: 'seg/img.nii.gz', labels: '../lab.nii.gz' }],
    },
    FILE,
  );
  assert.equal(dir, '/work/project');
  assert.deepEqual(config.pool, ['/work/project/data/ct', '/abs/mr', '/work/project/x/**/*.png']);
  assert.equal(config.downstream[0].images, '/work/project/seg/img.nii.gz');
  assert.equal(config.downstream[0].labels, '/work/lab.nii.gz');
  assert.deepEqual([config.imageSize, config.budget, config.seed], [64, 0.1, 0]);
});

test('errors name the key, the file and what is expected', () => {
  assert.match(problems({ pool: [] }), /optidel\.json: invalid config:\n {2}pool: must have at least 1 item/);
  assert.match(problems({}), /pool: is required/);
  assert.match(problems({ pool: ['a'], imageSize: 31.5 }), /imageSize: must be an integer, got number 31\.5/);
  assert.match(problems({ pool: ['a'], budget: 0 }), /budget: must be > 0, got 0/);
  assert.match(problems({ pool: ['a'], pol: 1 }), /pol: unknown key \(did you mean "pool"\?\)/);
  assert.match(
    problems({ pool: ['a'], ingest: { intensity: { window: { level: 40, width: -1 } } } }),
    /ingest\.intensity\.window\.width: must be > 0/,
  );
  assert.match(
    problems({ pool: ['a'], ingest: { axes: ['axial', 'oblique'] } }),
    /ingest\.axes\[1\]: must be one of "axial", "coronal", "sagittal"/,
  );
  assert.match(
    problems({ pool: ['a'], downstream: [{ name: 'x', images: 'i' }] }),
    /downstream\[0\] \("x"\): give either "images" and "labels", or "dataset"/,
  );
  assert.match(
    problems({ pool: ['a'], downstream: [{ name: 'x', images: 'i', labels: 'l', dataset: 'd' }] }),
    /downstream\[0\] \("x"\): give either/,
  );
  assert.match(
    problems({
      pool: ['a'],
      downstream: [
        { name: 'x', images: 'i', labels: 'l' },
        { name: 'x', images: 'j', labels: 'k' },
      ],
    }),
    /downstream\[1\]\.name: "x" is used twice/,
  );
  assert.match(problems([1]), /\(top level\): must be an object/);
});

test('keys Object.prototype carries (__proto__, constructor, toString) are unknown keys like any other', () => {
  // JSON.parse makes "__proto__" an own key; looked up in a plain object it found Object.prototype
  // and passed as "known", so a shared config could carry keys no schema describes.
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const text = `{"pool": ["a"], ${JSON.stringify(key)}: {"pool": ["/home"]}, "ingest": {${JSON.stringify(key)}: 1}}`;
    const message = problems(JSON.parse(text));
    assert.ok(message.includes(`${FILE}: invalid config`), `${key}: ${message}`);
    assert.ok(message.includes(`\n  ${key}: unknown key`), `${key}: ${message}`);
    assert.ok(message.includes(`\n  ingest.${key}: unknown key`), `${key}: ${message}`);
  }
});

test('a shared config cannot raise ingest.maxBytes or ingest.maxVoxels past the ceilings (tens of GB allocated)', () => {
  assert.deepEqual(INGEST_CEILINGS, { maxVoxels: 2 ** 30, maxBytes: 4 * 2 ** 30 });
  for (const key of ['maxBytes', 'maxVoxels'] as const) {
    const ceiling = INGEST_CEILINGS[key];
    assert.equal(
      problems({ pool: ['a'], ingest: { [key]: 40 * 2 ** 30 } }),
      `${FILE}: invalid config:\n  ingest.${key}: must be <= ${ceiling}, got ${40 * 2 ** 30}`,
    );
    assert.equal(problems({ pool: ['a'], ingest: { [key]: ceiling + 1 } }).includes(`ingest.${key}: must be <=`), true);
    // The ceiling itself is allowed and reaches the decoders.
    assert.equal(sampleOptions(parseConfig({ pool: ['a'], ingest: { [key]: ceiling } }, FILE))[key], ceiling);
  }
});

test('a missing file and bad JSON are reported with the path', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-config-'));
  await assert.rejects(loadConfig(path.join(dir, 'optidel.json')), /no such config file; create one/);
  fs.writeFileSync(path.join(dir, 'optidel.json'), '{ "pool": [ }');
  await assert.rejects(loadConfig(path.join(dir, 'optidel.json')), /optidel\.json: not valid JSON/);
});

test('the validator understands every keyword the schema uses (they stay in sync)', () => {
  const unknown = new Set<string>();
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (!SUPPORTED_KEYWORDS.has(key)) unknown.add(key);
      if (key === 'properties') Object.values(value as object).forEach(visit);
      else if (key === 'items') visit(value);
    }
  };
  visit(schema);
  assert.deepEqual([...unknown], []);
});
