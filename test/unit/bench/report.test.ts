import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  classesNeverFound,
  describeDifference,
  differences,
  overall,
  pairedInterval,
  perClassMeans,
  spread,
  summarise,
  tQuantile975,
} from '../../../src/shared/benchStats';
import {
  renderReport,
  summariseForJson,
  writeReport,
  type FullBenchReport,
  type MeasuredCell,
} from '../../../src/engine/bench/report';
import { barChart, lineChart } from '../../../src/engine/bench/svg';

function cell(method: string, seed: number, dataset: string, mIoU: number, budget = 0.05): MeasuredCell {
  return {
    method,
    seed,
    dataset,
    budget,
    mIoU,
    mIoUWithBackground: mIoU + 0.1,
    dice: mIoU + 0.05,
    normDel: 0.6,
    pretrainSteps: 100,
    seconds: 1,
    backend: 'wasm',
    finetuneMode: 'full',
    head: 'mlp',
    finetuneSteps: 50,
    bestStep: 25,
    pretrainSamples: 10,
    generatedSamples: 0,
    finishedAt: '2026-11-27T00:00:00Z',
  };
}

const cells: MeasuredCell[] = [
  cell('full', 0, 'a', 0.5, 1),
  cell('full', 1, 'a', 0.6, 1),
  cell('random', 0, 'a', 0.4),
  cell('random', 1, 'a', 0.6),
  cell('optidel', 0, 'a', 0.55),
  cell('optidel', 1, 'a', 0.65),
  cell('full', 0, 'b', 0.2, 1),
  cell('full', 1, 'b', 0.4, 1),
  cell('optidel', 0, 'b', 0.3),
  cell('optidel', 1, 'b', 0.3),
];

test('the 95% t-interval of paired differences against a hand computation', () => {
  // Four seeds, differences +2, +5, −1, +4 points: mean 10 / 4 = 2.5; deviations −0.5, 2.5, −3.5, 1.5,
  // squares 0.25 + 6.25 + 12.25 + 2.25 = 21, sample variance 21 / 3 = 7, sd √7 = 2.6458, standard error
  // sd / √4 = 1.3229; t(0.975, 3) = 3.182 (table), half-width 3.182 · 1.3229 = 4.2095: [−1.7095, +6.7095], holds 0.
  const four = pairedInterval([0.02, 0.05, -0.01, 0.04]);
  assert.ok(Math.abs(four.mean - 0.025) < 1e-12 && Math.abs(four.sd - Math.sqrt(0.0007)) < 1e-12 && four.pairs === 4);
  assert.ok(Math.abs(four.low - -0.017095) < 1e-5 && Math.abs(four.high - 0.067095) < 1e-5, `${four.low} ${four.high}`);
  assert.equal(four.shown, false);
  // Three seeds, +3, +5, +4: mean 4, sd √((1 + 1 + 0) / 2) = 1, standard error 1 / √3 = 0.57735;
  // t(0.975, 2) = 4.303, half-width 2.4843: [+1.5157, +6.4843], excludes 0.
  const three = pairedInterval([0.03, 0.05, 0.04]);
  assert.ok(
    Math.abs(three.low - 0.015157) < 1e-5 && Math.abs(three.high - 0.064843) < 1e-5,
    `${three.low} ${three.high}`,
  );
  assert.equal(three.shown, true);
  assert.equal(
    describeDifference({ method: 'optidel', reference: 'full', dataset: 'a', budget: 0.05, ...four }),
    'optidel − full: +2.5 [−1.7, +6.7], not shown at 4 seeds',
  );
  // One pair has no interval and is never shown.
  const one = pairedInterval([0.2]);
  assert.ok(Number.isNaN(one.low) && !one.shown);
  // The t quantile: table values, and the expansion beyond df 30 against the exact 2.0211 (df 40) and 1.9840 (df 100).
  assert.deepEqual([tQuantile975(1), tQuantile975(9), tQuantile975(30)], [12.706, 2.262, 2.042]);
  assert.ok(Math.abs(tQuantile975(40) - 2.0211) < 5e-4 && Math.abs(tQuantile975(100) - 1.984) < 5e-4);
  assert.ok(tQuantile975(31) < tQuantile975(30) && tQuantile975(31) > 2.03, 'continuous across the end of the table');
});

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
  assert.equal(
    differences(cells, 'random').find((x) => x.dataset === 'b'),
    undefined,
    'no random cell on b: no difference',
  );
  // mean over data sets per seed, then over seeds: optidel (0.425, 0.475)
  const o = overall(cells, 'optidel', 0.05);
  assert.ok(Math.abs(o.mean - 0.45) < 1e-12 && o.n === 2);
});

const report: FullBenchReport = {
  version: 1,
  createdAt: '2026-11-27T21:00:00.000Z',
  classes: { a: ['background', 'x'], b: ['background', 'y'] },
  cells,
  settings: {
    command: 'optidel bench --config c.json',
    configFile: 'c.json',
    methods: ['full', 'random', 'optidel'],
    seeds: [0, 1],
    budgets: [0.05, 0.2],
    datasets: ['a', 'b'],
    preset: 'micro',
    imageSize: 16,
    poolSize: 40,
    pretrainSteps: 100,
    pretrainBatchSize: 8,
    finetune: { mode: 'full' },
    backend: 'wasm',
    headline: 'mIoU without background, full fine-tuning',
  },
};

test('report.md has the headline table, differences, settings and every cell; --json has method -> dataset -> mean', () => {
  const { markdown, svgs } = renderReport(report);
  assert.match(markdown, /\| optidel \| 60\.0 ± 7\.1 \| 30\.0 ± 0\.0 \| 45\.0 ± 3\.5 \|/);
  // optidel − full: a (+5, +5) has a zero-width interval: bold; b (+10, −10): t(0.975, 1) = 12.706, so ±12.706 · 14.14 / √2 = ±127.1.
  assert.match(
    markdown,
    /\| optidel \| \*\*\+5\.0 \[\+5\.0, \+5\.0\]\*\* \| 0\.0 \[−127\.1, \+127\.1\] \| \+2\.5 \[−61\.0, \+66\.0\] \|/,
    'difference to full, paired; interval excludes 0: bold',
  );
  // full − random on a: (+10, 0), mean +5, sd 7.07, half-width 12.706 · 7.07 / √2 = 63.5.
  assert.match(markdown, /\| full \| \+5\.0 \[−58\.5, \+68\.5\] \|/, 'difference to random, interval holds 0: plain');
  assert.match(markdown, /- b: optidel − full: 0\.0 \[−127\.1, \+127\.1\], not shown at 2 seeds/);
  assert.match(markdown, /- a: optidel − full: \+5\.0 \[\+5\.0, \+5\.0\], shown at 2 seeds/);
  // Over the mean of the data sets, per seed: (+5 + 10) / 2 = +7.5 and (+5 − 10) / 2 = −2.5; mean +2.5, sd 7.07, ±63.5.
  assert.match(markdown, /- mean over data sets: optidel − full: \+2\.5 \[−61\.0, \+66\.0\], not shown at 2 seeds/);
  assert.match(markdown, /backend \*\*wasm\*\*/);
  assert.equal(
    markdown.split('\n').filter((l) => l.startsWith('| optidel | 0 |') || l.startsWith('| optidel | 1 |')).length,
    4,
  );
  assert.ok(svgs['miou-by-method.svg'].startsWith('<svg') && svgs['miou-vs-budget.svg'].includes('<path'));
  const json = summariseForJson(report, '/out', { computed: 3, reused: 7 });
  assert.deepEqual(json.methods, ['full', 'random', 'optidel']);
  assert.ok(Math.abs(json.mIoU.optidel.a - 0.6) < 1e-12 && Math.abs(json.mIoU.full.b - 0.3) < 1e-12);
  assert.ok(Number.isNaN(json.mIoU.random.b));
});

test('writeReport writes report.json, report.md and the SVG files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-report-'));
  await writeReport(dir, report);
  assert.deepEqual(fs.readdirSync(dir).sort(), [
    'miou-by-method.svg',
    'miou-vs-budget.svg',
    'report.json',
    'report.md',
  ]);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')).cells.length, cells.length);
});

test('SVG plots escape labels and draw one bar per finite value', () => {
  const svg = barChart(
    't',
    'y',
    [
      {
        label: 'a<b',
        bars: [
          { series: 'm', mean: 0.5, sd: 0.1 },
          { series: 'n', mean: NaN, sd: 0 },
        ],
      },
    ],
    ['m', 'n'],
  );
  assert.ok(svg.includes('a&lt;b') && !svg.includes('a<b'));
  assert.equal((svg.match(/<rect x="\d+(\.\d)?" y=/g) ?? []).length, 1 + 2, 'one bar plus two legend swatches');
  const line = lineChart('t', 'x', 'y', [
    { series: 'full', reference: true, points: [{ x: 1, mean: 0.4, sd: 0 }] },
    {
      series: 'r',
      points: [
        { x: 0.05, mean: 0.3, sd: 0 },
        { x: 0.2, mean: 0.35, sd: 0 },
      ],
    },
  ]);
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
  assert.deepEqual(
    perClassMeans(perClass, 'full', 'a', 3).map((v) => Number(v.toFixed(6))),
    [0.9, 0.4, 0],
  );
  assert.deepEqual(classesNeverFound(perClass, 'a', 3), [], 'optidel found class 2 once');
  assert.deepEqual(
    classesNeverFound(
      perClass.filter((c) => c.method === 'full'),
      'a',
      3,
    ),
    [2],
  );
  const { markdown } = renderReport({
    ...report,
    classes: { a: ['background', 'liver', 'lesion'] },
    cells: perClass.filter((c) => c.method === 'full'),
    settings: { ...report.settings, methods: ['full'], datasets: ['a'] },
  });
  assert.match(markdown, /\| method \| a: liver \| a: lesion \|/);
  assert.match(markdown, /\| full \| 40\.0 \| 0\.0 \|/);
  assert.match(markdown, /No method found a: lesion in any seed/);
});

test('the ablation section lists the arms run in the order their steps add up, each against the arm run before it', () => {
  // Three seeds on two data sets; optidel-mosaics was not run, so optidel-adversarial is compared with optidel-selected.
  const ablationCells = [
    ...[0.4, 0.42, 0.44].map((v, seed) => cell('optidel-selected', seed, 'a', v)),
    ...[0.3, 0.3, 0.3].map((v, seed) => cell('optidel-selected', seed, 'b', v)),
    ...[0.5, 0.5, 0.5].map((v, seed) => cell('optidel-adversarial', seed, 'a', v)),
    ...[0.4, 0.42, 0.44].map((v, seed) => cell('optidel-adversarial', seed, 'b', v)),
    ...[0.52, 0.48, 0.53].map((v, seed) => cell('optidel', seed, 'a', v)),
    ...[0.4, 0.42, 0.44].map((v, seed) => cell('optidel', seed, 'b', v)),
    ...[0.1, 0.1, 0.1].map((v, seed) => cell('full', seed, 'a', v, 1)),
    ...[0.1, 0.1, 0.1].map((v, seed) => cell('full', seed, 'b', v, 1)),
  ];
  const ablation: FullBenchReport = {
    ...report,
    cells: ablationCells,
    settings: {
      ...report.settings,
      // Listed against the ladder's order: the section must not follow --methods.
      methods: ['optidel', 'full', 'optidel-adversarial', 'optidel-selected'],
      seeds: [0, 1, 2],
      budgets: [0.05],
      optidelImages: 'mosaics',
      optidelAdversarial: 0.25,
    },
  };
  const { markdown } = renderReport(ablation);
  const section = markdown.split("## Ablation of OptiDEL's generation steps")[1]?.split('\n## ')[0];
  assert.ok(section, 'the section is there');
  const rows = section.split('\n').filter((l) => /^\| optidel/.test(l));
  assert.deepEqual(
    rows.map((r) => r.split(' | ')[0]),
    ['| optidel-selected', '| optidel-adversarial', '| optidel'],
    'one row per arm run, in the order the steps add up',
  );
  // Per seed, mean over data sets: selected 35, 36, 37 (mean 36.0 ± 1.0); adversarial 45, 46, 47; optidel 46, 45, 48.5.
  assert.match(rows[0], /\| 36\.0 ± 1\.0 \| – \|$/, 'the first arm has nothing to be compared with');
  // adversarial − selected: +10 at every seed, a zero-width interval that excludes 0 (bold).
  assert.match(rows[1], /\| 46\.0 ± 1\.0 \| \*\*\+10\.0 \[\+10\.0, \+10\.0\]\*\* \(− optidel-selected\) \|$/);
  // optidel − adversarial: +1, −1, +1.5; mean +0.5, sd √(3.5 / 2) = 1.3229 points, ± 4.303 · 1.3229 / √3 = ±3.29.
  // (Against selected it would be +10.5, against full +36.5.)
  assert.match(rows[2], /\| 46\.5 ± 1\.8 \| \+0\.5 \[−2\.8, \+3\.8\] \(− optidel-adversarial\) \|$/);
  assert.match(rows[2], /the whole method as benchmarked: mosaics, 25% hardened/);
  // The rounds arm trains in two rounds, plain optidel in one: optidel stands before it, and the
  // adversarial arm, not run since it trains on what optidel does at these settings, is named.
  const withRounds: FullBenchReport = {
    ...ablation,
    cells: ablationCells.map((c) => (c.method === 'optidel-adversarial' ? { ...c, method: 'optidel-rounds' } : c)),
    settings: { ...ablation.settings, methods: ['optidel-rounds', 'optidel', 'optidel-selected', 'full'] },
  };
  const roundsSection = renderReport(withRounds)
    .markdown.split("## Ablation of OptiDEL's generation steps")[1]!
    .split('\n## ')[0];
  const order = roundsSection
    .split('\n')
    .filter((l) => /^\| optidel/.test(l))
    .map((r) => r.split(' | ')[0]);
  assert.deepEqual(order, ['| optidel-selected', '| optidel', '| optidel-rounds']);
  assert.match(roundsSection, /`optidel-adversarial` would train on exactly what plain `optidel` does/);
  assert.doesNotMatch(section, /would train on exactly/, 'no note when the arm was run');
  // Without an ablation arm there is no section, even with optidel and full run.
  assert.doesNotMatch(renderReport(report).markdown, /Ablation/);
  const noArms = { ...ablation, settings: { ...ablation.settings, methods: ['optidel', 'full'] } };
  assert.doesNotMatch(renderReport(noArms).markdown, /Ablation/);
});
