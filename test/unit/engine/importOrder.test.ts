/**
 * The engine's folders import one way only, lowest first as listed in LAYERS: the core knows
 * nothing of stages, the stages nothing of the commands, the commands nothing of the entry points.
 * A new folder must be placed in the list; an import from a lower layer to a higher one (which is
 * how the import cycles this replaces began) fails here, naming the file and the import.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../helpers/engine';

const ENGINE = path.join(ROOT, 'src/engine');

/** Lowest first. A folder may import its own files and folders listed before it. */
const LAYERS = [
  'core',
  'config',
  'backends',
  'data',
  'generate',
  'model',
  'onnx',
  'selection',
  'curation',
  'downstream',
  'scale',
  'pipeline',
  'export',
  'bench',
  'commands',
  'entry',
] as const;

/** The engine root's files, by the layer they belong to. */
const ROOT_FILES: Record<string, (typeof LAYERS)[number]> = {
  'command.ts': 'core',
  'runStage.ts': 'core',
  'version.ts': 'core',
  'cli.ts': 'entry',
  'cliArgs.ts': 'entry',
  'cliExamples.ts': 'entry',
  'ipcServer.ts': 'entry',
  'main.ts': 'entry',
};

function layerOf(file: string): string {
  const [first, ...rest] = path.relative(ENGINE, file).split(path.sep);
  return rest.length ? first! : (ROOT_FILES[first!] ?? `unlisted root file ${first}`);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative specifiers of static imports and exports, and of dynamic `import()`s. */
function relativeImports(text: string): string[] {
  const found = text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'(\.[^']+)'/gm);
  return [...found].map((m) => m[1]!);
}

test('engine folders import one way: core, domain folders, pipeline, export, bench, commands, entry points', () => {
  const rank = new Map<string, number>(LAYERS.map((name, i) => [name, i]));
  const wrong: string[] = [];
  for (const file of sourceFiles(ENGINE)) {
    const from = layerOf(file);
    assert.ok(rank.has(from), `${path.relative(ROOT, file)}: its folder is not in LAYERS; place it there`);
    for (const spec of relativeImports(fs.readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(ENGINE + path.sep)) continue;
      const to = layerOf(fs.existsSync(target) ? path.join(target, 'index.ts') : `${target}.ts`);
      if (to !== from && !(rank.get(to)! < rank.get(from)!))
        wrong.push(`${path.relative(ROOT, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  assert.deepEqual(wrong, [], 'imports against the layer order');
});

test('the check sees a wrong import: a core file importing a command is caught', () => {
  const spec = relativeImports("import { scoreCommand } from './commands/score';\nawait import('./bench/ledger');");
  assert.deepEqual(spec, ['./commands/score', './bench/ledger']);
  assert.equal(layerOf(path.join(ENGINE, 'command.ts')), 'core');
  assert.equal(layerOf(path.join(ENGINE, 'commands/score.ts')), 'commands');
});
