/** The manifest's promises that no other test exercises: settings scopes, trust, the log grammar. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../helpers/engine';
import { DEFAULT_RUNS_FOLDER } from '../../../src/host/pathPolicy';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

test('the engine executable and module/library paths are machine settings a workspace cannot override', () => {
  const props = manifest.contributes.configuration.properties;
  const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  for (const key of ['optidel.engine.nodePath', 'optidel.engine.modulePaths', 'optidel.engine.libraryPaths']) {
    assert.equal(props[key].scope, 'machine', key);
    assert.ok(restricted.includes(key), `${key} is restricted in untrusted workspaces`);
  }
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(props['optidel.engine.backend'].enum, ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
});

test('the runs folder is read per workspace folder and a workspace cannot set it while untrusted', () => {
  const setting = manifest.contributes.configuration.properties['optidel.runsFolder'];
  assert.equal(setting.scope, 'resource');
  assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('optidel.runsFolder'));
  assert.equal(setting.default, DEFAULT_RUNS_FOLDER, 'the host falls back to the same default');
});

test('every command is in the OptiDEL category, and the files the manifest names exist', () => {
  for (const command of manifest.contributes.commands) assert.equal(command.category, 'OptiDEL', command.command);
  const files = [
    ...manifest.contributes.grammars.map((g: { path: string }) => g.path),
    ...manifest.contributes.jsonValidation.map((j: { url: string }) => j.url),
    ...manifest.contributes.walkthroughs.flatMap((w: { steps: Array<{ media: { markdown?: string } }> }) =>
      w.steps.map((s) => s.media.markdown),
    ),
    manifest.icon,
  ];
  for (const file of files.filter(Boolean)) assert.ok(fs.existsSync(path.join(ROOT, file)), `${file} exists`);
});

/** Scopes the grammar gives to a line, from its own top-level patterns (Oniguruma and JS agree on these). */
function scopesOf(line: string): string[] {
  const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, 'syntaxes/optidel-log.tmLanguage.json'), 'utf8'));
  const scopes: string[] = [];
  for (const { include } of grammar.repository.line.patterns) {
    const rule = grammar.repository[include.slice(1)];
    for (const match of line.matchAll(new RegExp(rule.match, 'g'))) {
      if (rule.name) scopes.push(rule.name);
      for (const [group, capture] of Object.entries(rule.captures ?? {}) as Array<[string, { name: string }]>) {
        if (match[Number(group)] !== undefined) scopes.push(capture.name);
      }
    }
  }
  return scopes;
}

test('the log grammar colours stages, metrics, warnings, errors and file paths', () => {
  assert.ok(scopesOf('stage pretrain: running (/tmp/run)').includes('entity.name.section.stage.optidel-log'));
  assert.ok(scopesOf('stage pretrain: done').includes('keyword.control.status.optidel-log'));
  assert.ok(scopesOf('[pretrain] loss=0.4312 step=120').includes('variable.other.metric.optidel-log'));
  assert.ok(scopesOf('warning: skipped scan.nii.gz').includes('markup.changed.warning.optidel-log'));
  assert.ok(scopesOf('ingest failed: no usable samples').includes('invalid.illegal.error.optidel-log'));
  assert.ok(scopesOf('skipped data/ct/case_01.nii.gz: truncated').includes('string.unquoted.path.optidel-log'));
  assert.deepEqual(scopesOf('nothing to see here'), []);
});
