import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classesNeverFound, differences, overall, perClassMeans, spread, summarise } from '../../../src/engine/bench/aggregate';
import { renderReport, summariseForJson, writeReport, type FullBenchReport, type MeasuredCell } from '../../../src/engine/bench/report';
import { barChart, lineChart } from '../../../src/engine/bench/svg';

function cell(method: string, seed: number, dataset: string, mIoU: number, budget = 0.05): MeasuredCell {
  return { method, seed, dataset, budget, mIoU, mIoUWithBackground: mIoU + 0.1, dice: mIoU + 0.05, normDel: 0.6, pretrainSteps: 100, seconds: 1, backend: 'wasm', finetuneMode: 'full', head: 'mlp', finetuneSteps: 50, bestStep: 25, pretrainSamples: 10, generatedSamples: 0, finishedAt: '2026-11-27T00:00:00Z' };
}

const cells: MeasuredCell[] = [
  cell('full', 0, 'a', 0.5, 1), cell('full', 1, 'a', 0.6, 1),
  cell('random', 0, 'a', 0.4), cell('random', 1, 'a', 0.6),
  cell('optidel', 0, 'a', 0.55), cell('optidel', 1, 'a', 0.65),
  cell('full', 0, 'b', 0.2, 1), cell('full', 1, 'b', 0.4, 1),
  cell('optidel', 0, 'b', 0.3), cell('optidel', 1, 'b', 0.3),
];

test('spread: mean, sample standard deviation, and NaN for no values', () => {
  const s = spread([1, 2, 3, NaN]);
  assert.deepEqual([s.n, s.mean, s.sd, s.min, s.max], [3, 2, 1, 1, 3]);
  assert.equal(spread([0.5]).sd, 0);
  assert.ok(Number.isNaN(spread([]).mean));
});

test('groups by method, budget and data set; differences are paired by seed', () => {
  const g = summarise(cells).find((x) => x.method === 'random' && x.dataset === 'a')!;
  assert.ok(Math.abs(g.mIoU.mean - 0.5) < 1e-12);
  assert.ok(Math.abs(g.mIoU.sd - Math.sqrt(0.02)) < 1e-12);
  assert.deepEqual(g.seeds, [0, 1]);
  // full is budget-free: optidel at 5% is compared with full at 100%.
  const d = differences(cells, 'full').find((x) => x.method === 'optidel' && x.dataset === 'a')!;
  assert.ok(Math.abs(d.mean - 0.05) < 1e-12 && d.sd < 1e-12 && d.pairs === 2);
  const r = differences(cells, 'random').find((x) => x.method === 'optidel' && x.dataset === 'a')!;
  assert.ok(Math.abs(r.mean - 0.1) < 1e-12);
  assert.equal(differences(cells, 'random').find((x) => x.dataset === 'b'), undefined, 'no random cell on b: no difference');
  // mean over data sets per seed, then over seeds: optidel (0.425, 0.475)
  const o = overall(cells, 'optidel', 0.05);
  assert.ok(Math.abs(o.mean - 0.45) < 1e-12 && o.n === 2);
});

const report: FullBenchReport = {
  version: 1,
  createdAt: '2026-11-27T21:00:00.000Z',
  classes: { a: ['background', 'x'], b: ['background', 'y'] },
  cells,
  settings: { command: 'optidel bench --config c.json', configFile: 'c.json', methods: ['full', 'random', 'optidel'], seeds: [0, 1], budgets: [0.05, 0.2], datasets: ['a', 'b'], preset: 'micro', imageSize: 16, poolSize: 40, pretrainSteps: 100, pretrainBatchSize: 8, finetune: { mode: 'full' }, backend: 'wasm', headline: 'mIoU without background, full fine-tuning' },
};

test('report.md has the headline table, differences, settings and every cell; --json has method -> dataset -> mean', () => {
  const { markdown, svgs } = renderReport(report);
  assert.match(markdown, /\| optidel \| 60\.0 ± 7\.1 \| 30\.0 ± 0\.0 \| 45\.0 ± 3\.5 \|/);
  assert.match(markdown, /\| optidel \| \*\*\+5\.0 ± 0\.0\*\* \| 0\.0 ± 14\.1 \|/, 'difference to full, paired; larger than its spread: bold');
  assert.match(markdown, /\| full \| \+5\.0 ± 7\.1 \|/, 'difference to random, inside its spread: plain');
  assert.match(markdown, /backend \*\*wasm\*\*/);
  assert.equal(markdown.split('\n').filter((l) => l.startsWith('| optidel | 0 |') || l.startsWith('| optidel | 1 |')).length, 4);
  assert.ok(svgs['miou-by-method.svg'].startsWith('<svg') && svgs['miou-vs-budget.svg'].includes('<path'));
  const json = summariseForJson(report, '/out', { computed: 3, reused: 7 });
  assert.deepEqual(json.methods, ['full', 'random', 'optidel']);
  assert.ok(Math.abs(json.mIoU.optidel.a - 0.6) < 1e-12 && Math.abs(json.mIoU.full.b - 0.3) < 1e-12);
  assert.ok(Number.isNaN(json.mIoU.random.b));
});

test('writeReport writes report.json, report.md and the SVG files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-report-'));
  await writeReport(dir, report);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['miou-by-method.svg', 'miou-vs-budget.svg', 'report.json', 'report.md']);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')).cells.length, cells.length);
});

test('SVG plots escape labels and draw one bar per finite value', () => {
  const svg = barChart('t', 'y', [{ label: 'a<b', bars: [{ series: 'm', mean: 0.5, sd: 0.1 }, { series: 'n', mean: NaN, sd: 0 }] }], ['m', 'n']);
  assert.ok(svg.includes('a&lt;b') && !svg.includes('a<b'));
  assert.equal((svg.match(/<rect x="\d+(\.\d)?" y=/g) ?? []).length, 1 + 2, 'one bar plus two legend swatches');
  const line = lineChart('t', 'x', 'y', [{ series: 'full', reference: true, points: [{ x: 1, mean: 0.4, sd: 0 }] }, { series: 'r', points: [{ x: 0.05, mean: 0.3, sd: 0 }, { x: 0.2, mean: 0.35, sd: 0 }] }]);
  assert.ok(line.includes('stroke-dasharray') && line.includes('5%') && line.includes('20%'));
});

test('per-class IoU: means over seeds, and the classes no cell found are named', () => {
  const withClasses = (c: MeasuredCell, iou: Array<number | null>): MeasuredCell => ({ ...c, perClassIoU: iou });
  const perClass: MeasuredCell[] = [
    withClasses(cell('full', 0, 'a', 0.25, 1), [0.9, 0.5, 0]),
    withClasses(cell('full', 1, 'a', 0.15, 1), [0.9, 0.3, null]),
    withClasses(cell('optidel', 0, 'a', 0.35), [0.9, 0.7, 0]),
    withClasses(cell('optidel', 1, 'a', 0.3), [0.9, 0.4, 0.2]),
  ];
  assert.deepEqual(perClassMeans(perClass, 'full', 'a', 3).map((v) => Number(v.toFixed(6))), [0.9, 0.4, 0]);
  assert.deepEqual(classesNeverFound(perClass, 'a', 3), [], 'optidel found class 2 once');
  assert.deepEqual(classesNeverFound(perClass.filter((c) => c.method === 'full'), 'a', 3), [2]);
  const { markdown } = renderReport({ ...report, classes: { a: ['background', 'liver', 'lesion'] }, cells: perClass.filter((c) => c.method === 'full'), settings: { ...report.settings, methods: ['full'], datasets: ['a'] } });
  assert.match(markdown, /\| method \| a: liver \| a: lesion \|/);
  assert.match(markdown, /\| full \| 40\.0 \| 0\.0 \|/);
  assert.match(markdown, /No method found a: lesion in any seed/);
});
