/** A selection's name for people: the hierarchical path is said wherever the method is shown (CLI, Runs view, pickers, notebook). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { selectionLabel } from '../../../src/shared/selectionLabel';
import { describeStageSummary } from '../../../src/shared/runRecord';
import { subsetMethodLabel, type SubsetPayload } from '../../../src/shared/subsetPayload';
import { methodOptions } from '../../../webview/common/selection';

test('the label says the hierarchical path and its levels; an exact selection is the method alone', () => {
  assert.equal(selectionLabel('kcenter', undefined), 'kcenter');
  assert.equal(selectionLabel('kcenter', { levels: 2 }), 'kcenter (hierarchical, 2 levels)');
  assert.equal(selectionLabel('optidel', { levels: 1 }), 'optidel (hierarchical, 1 level)');
  // A hand-edited file: still hierarchical, without a count it cannot trust.
  for (const odd of [true, 'yes', { levels: -1 }, { levels: 1.5 }, {}])
    assert.equal(selectionLabel('meddel', odd as never), 'meddel (hierarchical)', JSON.stringify(odd));
  assert.equal(selectionLabel('meddel', false as never), 'meddel');
});

test("the Runs view's stage summary puts the path beside the method", () => {
  assert.equal(
    describeStageSummary({ method: 'kcenter', selected: 10, hierarchical: 3 }),
    'method kcenter (hierarchical, 3 levels), selected 10',
  );
  assert.equal(describeStageSummary({ method: 'kcenter', selected: 10 }), 'method kcenter, selected 10');
});

test("the views' method pickers: each method by name, labelled by its path, OptiDEL first", () => {
  const options = methodOptions([
    { method: 'kcenter', options: { hierarchical: { branching: 32, levels: 2, leaves: 40 } } },
    { method: 'random' },
    { method: 'optidel', options: { clusters: 4 } },
  ]);
  assert.deepEqual(options, [
    { value: 'optidel', label: 'optidel' },
    { value: 'kcenter', label: 'kcenter (hierarchical, 2 levels)' },
    { value: 'random', label: 'random' },
  ]);
});

test("the notebook's label reads the payload's own hierarchies only, never an inherited name", () => {
  const payload = {
    summary: { method: 'optidel', hierarchical: { optidel: { branching: 32, levels: 4, leaves: 300 } } },
  } as unknown as SubsetPayload;
  assert.equal(subsetMethodLabel(payload, 'optidel'), 'optidel (hierarchical, 4 levels)');
  assert.equal(subsetMethodLabel(payload, 'random'), 'random');
  assert.equal(subsetMethodLabel(payload, 'constructor'), 'constructor');
});
