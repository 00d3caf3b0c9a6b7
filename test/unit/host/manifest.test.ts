/**
 * The manifest's promises that no other test exercises: settings scopes, trust, activation, menus
 * and their when clauses, localised strings, the log grammar.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../helpers/engine';
import { SCORE_RUNTIMES } from '../../../src/shared/commands';
import { DEFAULT_RUNS_FOLDER } from '../../../src/host/pathPolicy';
import { HAS_CONFIG_KEY } from '../../../src/host/contextKeys';
import {
  RUN_COMMAND_NEEDS,
  RUN_ITEM,
  STAGE_COMMANDS,
  runContextValue,
  runningBadge,
  shownStatus,
  stageContextValue,
  stageError,
  viewItemHas,
} from '../../../src/host/views/runCapabilities';
import { RUN_FILE } from '../../../src/shared/node/runStore';
import type { RunRecord } from '../../../src/shared/runRecord';

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
  assert.deepEqual(props['optidel.score.runtime'].enum, [...SCORE_RUNTIMES]);
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'src/shared/schemas/optidel.schema.json'), 'utf8'));
  assert.deepEqual(
    schema.properties.model.properties.runtime.enum,
    [...SCORE_RUNTIMES],
    "optidel.json's model.runtime",
  );
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

const nls: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8'));

/** Every string in the manifest, with where it is. */
function manifestStrings(value: unknown, at = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => manifestStrings(v, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => manifestStrings(v, at ? `${at}.${k}` : k));
  }
  return [];
}

test('every %key% of the manifest is in package.nls.json, and every key there is used', () => {
  const used = new Set<string>();
  for (const [at, text] of manifestStrings(manifest)) {
    const key = /^%(.+)%$/.exec(text)?.[1];
    if (!key) continue;
    assert.ok(key in nls, `${at}: ${text} is not in package.nls.json`);
    used.add(key);
  }
  assert.deepEqual(
    Object.keys(nls).filter((k) => !used.has(k)),
    [],
    'keys in package.nls.json that the manifest never uses',
  );
  for (const command of manifest.contributes.commands) {
    const key = /^%(.+)%$/.exec(command.title)?.[1];
    assert.ok(key && nls[key].trim() !== '', `${command.command} has a title in package.nls.json`);
  }
  assert.ok(!/^%/.test(manifest.name) && !/^%/.test(manifest.publisher), 'the id is never localised');
});

test('it activates only where there is an optidel.json or a run folder (commands, views, renderer on their own)', () => {
  const events: string[] = manifest.activationEvents;
  assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), 'no activation in every window');
  assert.ok(events.includes('workspaceContains:**/optidel.json'));
  // A run folder is a folder of the default runs folder holding run.json (src/shared/node/runStore.ts).
  assert.ok(events.includes(`workspaceContains:${DEFAULT_RUNS_FOLDER}/*/${RUN_FILE}`));
  const others = events.filter((e) => !e.startsWith('workspaceContains:'));
  const panels = others.map((e) => /^onWebviewPanel:(.+)$/.exec(e)?.[1]);
  assert.ok(
    panels.every((id) => id !== undefined),
    `only webview panels restored after a reload activate besides: ${others.join(', ')}`,
  );
});

test('trust, virtual workspaces and where it runs are declared', () => {
  assert.deepEqual(manifest.extensionKind, ['workspace']);
  assert.equal(manifest.capabilities.virtualWorkspaces.supported, false);
  assert.ok(nls[manifest.capabilities.virtualWorkspaces.description.slice(1, -1)].length > 20, 'with a reason');
  // Each command that starts the engine is disabled until the workspace is trusted.
  const engineCommands = [
    'optidel.showEngineInfo',
    'optidel.ingestPool',
    'optidel.pretrain',
    'optidel.score',
    'optidel.propose',
    'optidel.select',
    'optidel.synthesize',
    'optidel.runPipeline',
    'optidel.runBenchmark',
    'optidel.openSubsetNotebook',
    'optidel.runStageAgain',
  ];
  for (const id of engineCommands) {
    const command = manifest.contributes.commands.find((c: { command: string }) => c.command === id);
    assert.equal(command?.enablement, 'isWorkspaceTrusted', id);
  }
  const welcome = manifest.contributes.viewsWelcome.filter((w: { view: string }) => w.view === 'optidel.runs');
  assert.deepEqual(welcome.map((w: { when: string }) => w.when).sort(), ['!isWorkspaceTrusted', 'isWorkspaceTrusted']);
  const untrusted = welcome.find((w: { when: string }) => w.when === '!isWorkspaceTrusted');
  assert.match(nls[untrusted.contents.slice(1, -1)], /\(command:workbench\.trust\.manage\)/);
});

type MenuItem = { command: string; when?: string; group?: string };
const menus: Record<string, MenuItem[]> = manifest.contributes.menus;

/** Context keys the `when` clauses may test: VS Code's own, and those the host sets. */
const KNOWN_CONTEXT_KEYS = new Set([
  'view',
  'viewItem',
  'resourceFilename',
  'resourceDirname',
  'explorerResourceIsFolder',
  'isWorkspaceTrusted',
  HAS_CONFIG_KEY,
]);

/** The context keys a `when` clause names (regex literals and the right side of == removed). */
function contextKeys(when: string): string[] {
  const bare = when
    .replace(/=~\s*\/(?:\\.|[^/\\])*\//g, '')
    .replace(/(==|!=)\s*[^\s&|)]+/g, '')
    .replace(/\b(true|false)\b/g, '');
  return bare.match(/[A-Za-z][\w.]*/g) ?? [];
}

test('every menu names a declared command, and every when clause tests known context keys', () => {
  const declared = new Set(manifest.contributes.commands.map((c: { command: string }) => c.command));
  for (const [menu, items] of Object.entries(menus)) {
    for (const item of items) {
      assert.ok(declared.has(item.command), `${menu}: ${item.command} is declared`);
      for (const key of contextKeys(item.when ?? '')) {
        assert.ok(KNOWN_CONTEXT_KEYS.has(key), `${menu} ${item.command}: unknown context key ${key}`);
      }
      // A regex in a when clause must compile the way VS Code reads it.
      for (const [, source] of (item.when ?? '').matchAll(/=~\s*\/((?:\\.|[^/\\])*)\//g)) new RegExp(source);
    }
  }
  assert.deepEqual(contextKeys('view == optidel.runs && viewItem =~ /^a b$/ && !optidel.hasConfig'), [
    'view',
    'viewItem',
    'optidel.hasConfig',
  ]);
});

/** Evaluates the `viewItem =~ /…/` tests of a when clause on a context value (the rest is `view ==`). */
function shownFor(item: MenuItem, contextValue: string): boolean {
  const tests = [...(item.when ?? '').matchAll(/viewItem =~ \/((?:\\.|[^/\\])*)\//g)].map((m) => new RegExp(m[1]));
  return tests.length > 0 && tests.every((re) => re.test(contextValue));
}

function record(stages: RunRecord['stages']): RunRecord {
  return { version: 1, id: 'r', createdAt: '2026-12-02T00:00:00Z', config: {}, stages };
}

test("the Runs view's run menu offers what the run has: no report without a benchmark, no map before scoring", () => {
  const runMenu = menus['view/item/context'].filter((m) => m.when?.includes('optidel\\.run'));
  const offered = (contextValue: string) => [
    ...new Set(runMenu.filter((m) => shownFor(m, contextValue)).map((m) => m.command)),
  ];
  const ingested = runContextValue({ record: record({ ingest: { status: 'done' } }), benchmarked: false });
  assert.deepEqual(offered(ingested).sort(), [
    'optidel.copyRunPath',
    'optidel.deleteRun',
    'optidel.openGallery',
    'optidel.pretrain',
    'optidel.revealRun',
  ]);
  const scored = runContextValue({
    record: record({ ingest: { status: 'done' }, pretrain: { status: 'done' }, score: { status: 'done' } }),
    benchmarked: false,
  });
  assert.ok(offered(scored).includes('optidel.openEmbeddingMap'));
  assert.ok(!offered(scored).includes('optidel.showReport'));
  const bench = runContextValue({ record: record({ finetune: { status: 'done' } }), benchmarked: true });
  assert.ok(offered(bench).includes('optidel.showReport') && offered(bench).includes('optidel.openSegmentation'));
  assert.ok(!offered(bench).includes('optidel.openEmbeddingMap'));
  // A stage running in this very process (its pid is alive): the run is not offered for deletion.
  const running = runContextValue({
    record: record({ ingest: { status: 'done' }, pretrain: { status: 'running', pid: process.pid } }),
    benchmarked: false,
  });
  assert.ok(!offered(running).includes('optidel.deleteRun'));
  assert.deepEqual(runningBadge(1), { value: 1, tooltip: '1 stage running' });
  assert.equal(runningBadge(0), undefined, 'no badge when nothing runs');
  assert.deepEqual(offered(runContextValue({ benchmarked: false })).sort(), [
    'optidel.copyRunPath',
    'optidel.deleteRun',
    'optidel.revealRun',
  ]);
  // Each run command's clause tests exactly the token runCapabilities.ts says it needs.
  for (const [command, token] of Object.entries(RUN_COMMAND_NEEDS)) {
    const entries = runMenu.filter((m) => m.command === command);
    assert.ok(entries.length > 0, `${command} is in the run menu`);
    for (const entry of entries) assert.equal(entry.when, `view == optidel.runs && ${viewItemHas(RUN_ITEM, token)}`);
  }
});

test("the Runs view's stage menu: run again where a command can, the error where there is one, metrics where written", () => {
  const stageMenu = menus['view/item/context'].filter((m) => m.when?.includes('optidel\\.stage'));
  const offered = (contextValue: string) => [
    ...new Set(stageMenu.filter((m) => shownFor(m, contextValue)).map((m) => m.command)),
  ];
  const failed = record({ pretrain: { status: 'failed', error: 'the loss became NaN' } });
  assert.deepEqual(offered(stageContextValue({ record: failed, stage: 'pretrain', hasMetrics: true })).sort(), [
    'optidel.openStageMetrics',
    'optidel.runStageAgain',
    'optidel.showStageError',
  ]);
  // Ingest is run again by a new run, not from its item; a stage of this live process is not run twice.
  const done = record({ ingest: { status: 'done' }, score: { status: 'running', pid: process.pid } });
  assert.deepEqual(offered(stageContextValue({ record: done, stage: 'ingest', hasMetrics: false })), []);
  assert.deepEqual(offered(stageContextValue({ record: done, stage: 'score', hasMetrics: false })), []);
  // A stage left "running" by a process that is gone was interrupted: it has an error and can run again.
  const interrupted = record({ score: { status: 'running', pid: 2 ** 22 + 12345 } });
  assert.equal(shownStatus(interrupted, 'score'), 'interrupted');
  assert.deepEqual(offered(stageContextValue({ record: interrupted, stage: 'score', hasMetrics: false })).sort(), [
    'optidel.runStageAgain',
    'optidel.showStageError',
  ]);
  assert.match(stageError(interrupted, 'score')!, /engine process ended/);
  assert.equal(stageError(failed, 'pretrain'), 'the loss became NaN');
  for (const [stage, command] of Object.entries(STAGE_COMMANDS)) {
    assert.ok(RUN_COMMAND_NEEDS[command!], `${stage}: ${command} is a run command too`);
  }
});

test('optidel.json and report.md offer their commands where users look', () => {
  const on = (menu: string, when: string) =>
    menus[menu]
      .filter((m) => m.when === when)
      .map((m) => m.command)
      .sort();
  const config = 'resourceFilename == optidel.json';
  const engineEntry = ['optidel.ingestPool', 'optidel.runBenchmark', 'optidel.runPipeline'];
  assert.deepEqual(on('explorer/context', config), engineEntry);
  assert.deepEqual(on('editor/title', config), engineEntry);
  assert.deepEqual(on('explorer/context', 'explorerResourceIsFolder && optidel.hasConfig'), ['optidel.addToPool']);
  const report = menus['editor/title'].find((m) => m.command === 'optidel.openSegmentation')!;
  assert.match(report.when!, /^resourceFilename == report\.md && /);
  const folder = new RegExp(/resourceDirname =~ \/((?:\\.|[^/\\])*)\//.exec(report.when!)![1]);
  assert.ok(folder.test('/data/.optidel/runs/bench-1/bench'));
  assert.ok(folder.test('C:\\data\\runs\\bench-1\\bench'));
  assert.ok(!folder.test('/data/notes'));
  // Commands that need a menu's item are kept out of the command palette.
  const hidden = menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command);
  for (const id of ['optidel.runStageAgain', 'optidel.deleteRun', 'optidel.addToPool'])
    assert.ok(hidden.includes(id), id);
});

test('the manifest names a homepage, a bug tracker and keywords', () => {
  assert.ok(manifest.keywords.length >= 5);
  assert.ok(manifest.repository.url && manifest.homepage && manifest.bugs.url);
});
