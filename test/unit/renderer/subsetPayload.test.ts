/**
 * The payload validator (what the renderer trusts), its agreement with the published JSON Schema,
 * and the pure filter the renderer applies.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseSubsetPayload,
  SubsetPayloadError,
  subsetMethods,
  describeProvenance,
  MAX_THUMBNAIL_CHARS,
} from '../../../src/shared/subsetPayload';
import { filterSamples, selectionMask, subsetColumns } from '../../../webview/renderer/subsetFilter';
import { makePayload, thumbnailFor } from './payloads';

const SCHEMA_FILE = path.join(__dirname, '../../../src/shared/schemas/subset.schema.json');

function problemsOf(raw: unknown): string[] {
  try {
    parseSubsetPayload(raw);
  } catch (err) {
    assert.ok(err instanceof SubsetPayloadError, String(err));
    return err.problems;
  }
  return [];
}

/** A deep copy through JSON, as a notebook would hand it over. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('parseSubsetPayload', () => {
  it('accepts a payload that went through JSON, unknown extra fields included', () => {
    const payload = { ...copy(makePayload(50)), futureField: { anything: true } };
    assert.equal(parseSubsetPayload(payload).samples.length, 50);
  });

  it('names every broken field, up to a limit', () => {
    const payload = copy(makePayload(3));
    const bad = payload as unknown as { summary: Record<string, unknown>; samples: Array<Record<string, unknown>> };
    bad.summary.budget = -1;
    bad.samples[1]!.difficulty = 'hard';
    bad.samples[2]!.id = 1;
    bad.samples[0]!.provenance = { source: 3, axis: 5 };
    assert.deepEqual(problemsOf(payload), [
      '"summary.budget" must be a positive number (a fraction <= 1 or a count), got -1',
      'samples[0].provenance.source must be a string',
      'samples[0].provenance.axis must be 0, 1 or 2',
      'samples[1].difficulty must be a finite number, got "hard"',
      'samples[2].id 1 appears twice',
    ]);
  });

  it('stops at 8 problems when every one of 10,000 samples is broken', () => {
    const samples = Array.from({ length: 10_000 }, (_, i) => ({
      id: i,
      difficulty: null,
      embedding: [0, 0],
      selected: false,
    }));
    const problems = problemsOf({ ...copy(makePayload(1)), samples });
    assert.equal(problems.length, 8);
    assert.match(problems[0]!, /samples\[0\]\.difficulty must be a finite number, got null/);
  });

  it('rejects thumbnails that are links, scripts or too large', () => {
    const base = copy(makePayload(1));
    for (const thumbnail of [
      'https://example.invalid/a.png',
      'javascript:alert(1)',
      'data:text/html;base64,PGI+',
      `data:image/png;base64,${'A'.repeat(MAX_THUMBNAIL_CHARS)}`,
    ]) {
      const payload = copy(base);
      payload.samples[0]!.thumbnail = thumbnail;
      assert.equal(problemsOf(payload).length, 1, thumbnail.slice(0, 40));
    }
    const payload = copy(base);
    payload.samples[0]!.thumbnail = thumbnailFor(3, 32);
    assert.deepEqual(problemsOf(payload), []);
  });

  it('says which version it reads', () => {
    assert.match(
      problemsOf({ version: 3, summary: {}, samples: [] })[0]!,
      /"version" is 3; this renderer reads version 1/,
    );
    assert.match(problemsOf('a string')[0]!, /must be a JSON object, got "a string"/);
  });
});

describe('the JSON Schema and the validator agree', () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as {
    required: string[];
    properties: {
      summary: { required: string[]; properties: Record<string, unknown> };
      samples: { items: { required: string[]; properties: Record<string, unknown> } };
    };
  };

  it('a key the schema requires is required by the validator too', () => {
    type Remove = (p: Record<string, unknown>) => void;
    // [the field as the validator names it, how to remove it]
    const cases: Array<[string, Remove]> = [
      ...schema.required.map((key): [string, Remove] => [`"${key}"`, (p) => delete p[key]]),
      ...schema.properties.summary.required.map((key): [string, Remove] => [
        `"summary.${key}"`,
        (p) => delete (p.summary as Record<string, unknown>)[key],
      ]),
      ...schema.properties.samples.items.required.map((key): [string, Remove] => [
        `samples[0].${key}`,
        (p) => delete (p.samples as Array<Record<string, unknown>>)[0]![key],
      ]),
    ];
    assert.equal(cases.length, 11);
    for (const [field, remove] of cases) {
      const payload = copy(makePayload(2)) as unknown as Record<string, unknown>;
      remove(payload);
      const problems = problemsOf(payload);
      assert.ok(
        problems.some((p) => p.includes(field)),
        `${field}: ${problems.join('; ')}`,
      );
    }
  });

  it('every field the renderer reads is documented in the schema', () => {
    const payload = makePayload(1);
    for (const key of Object.keys(payload.summary))
      assert.ok(key in schema.properties.summary.properties, `summary.${key}`);
    for (const key of Object.keys(payload.samples[0]!))
      assert.ok(key in schema.properties.samples.items.properties, `samples[].${key}`);
  });
});

describe('subset filter', () => {
  const payload = makePayload(100);
  const columns = subsetColumns(payload);
  const optidel = selectionMask(payload, 'optidel');
  const base = { method: 'optidel', show: 'all' as const, text: '' };

  it('keeps everything with no restriction, in payload order', () => {
    assert.deepEqual(
      [...filterSamples(columns, optidel, base)],
      payload.samples.map((_, i) => i),
    );
  });

  it('shows the selected or the others of the chosen method', () => {
    const selected = [...filterSamples(columns, optidel, { ...base, show: 'selected' })];
    assert.deepEqual(
      selected,
      payload.samples.flatMap((s, i) => (s.selected ? [i] : [])),
    );
    const random = selectionMask(payload, 'random');
    const notRandom = [...filterSamples(columns, random, { ...base, method: 'random', show: 'unselected' })];
    assert.deepEqual(
      notRandom,
      payload.samples.flatMap((s, i) => (s.selectedBy?.includes('random') ? [] : [i])),
    );
  });

  it('combines difficulty bounds, text and lasso', () => {
    const rows = [
      ...filterSamples(columns, optidel, {
        ...base,
        minDifficulty: 0.015,
        maxDifficulty: 0.02,
        text: 'PATIENT-03',
        lasso: new Set([2, 6, 10, 14, 50, 98]),
      }),
    ];
    const expected = payload.samples.flatMap((s, i) =>
      s.difficulty >= 0.015 &&
      s.difficulty <= 0.02 &&
      s.provenance!.source.includes('patient-03') &&
      [2, 6, 10, 14, 50, 98].includes(s.id)
        ? [i]
        : [],
    );
    assert.deepEqual(rows, expected);
    assert.deepEqual([...filterSamples(columns, optidel, { ...base, text: '#42' })], [42]);
  });

  it("lists methods with the payload's first and describes provenance in words", () => {
    assert.deepEqual(subsetMethods(payload), ['optidel', 'random']);
    assert.equal(describeProvenance(payload.samples[7]!.provenance), 'patient-04.nii.gz axial slice 7');
    assert.equal(describeProvenance(undefined), 'unknown source');
  });
});
