/** "Add to Pool": the entry a folder becomes in optidel.json, and the config with it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PoolEntryError, addPoolEntry, poolEntryFor } from '../../../src/host/poolEntry';

test('a folder becomes a path relative to the config file, with "/" on every system', () => {
  assert.equal(poolEntryFor('/w/optidel.json', '/w/data/ct'), 'data/ct');
  assert.equal(poolEntryFor('/w/project/optidel.json', '/w/shared/mri'), '../shared/mri');
  assert.equal(poolEntryFor('/w/optidel.json', '/w'), '.');
  assert.equal(poolEntryFor('C:\\w\\optidel.json', 'C:\\w\\data\\ct', path.win32), 'data/ct');
  assert.equal(poolEntryFor('C:\\w\\optidel.json', 'D:\\scans', path.win32), 'D:\\scans');
  assert.throws(() => poolEntryFor('/w/optidel.json', '/w/data[1]'), PoolEntryError);
});

test('the entry is appended to the pool once, keeping the other keys and the indentation', () => {
  const text = '{\n    "pool": ["data/ct/"],\n    "budget": 0.05\n}\n';
  const once = addPoolEntry(text, 'optidel.json', 'data/mri');
  assert.equal(once.added, true);
  assert.equal(once.text, '{\n    "pool": [\n        "data/ct/",\n        "data/mri"\n    ],\n    "budget": 0.05\n}\n');
  assert.deepEqual(addPoolEntry(once.text, 'optidel.json', 'data/mri'), { text: once.text, added: false });
  // "data/ct/" and "./data/ct" name the same folder as "data/ct".
  assert.equal(addPoolEntry(text, 'optidel.json', 'data/ct').added, false);
  assert.deepEqual(JSON.parse(addPoolEntry('{}', 'optidel.json', 'scans').text), { pool: ['scans'] });
});

test('a config that is not JSON, not an object or whose pool is not a list is refused, naming the file', () => {
  assert.throws(() => addPoolEntry('{ "pool": [', '/w/optidel.json', 'x'), /\/w\/optidel\.json is not valid JSON/);
  assert.throws(() => addPoolEntry('[1]', '/w/optidel.json', 'x'), /not a JSON object/);
  assert.throws(() => addPoolEntry('{"pool": "data"}', '/w/optidel.json', 'x'), /"pool" must be a list/);
});
