import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridLayout, moveCursor, scrollToItem, visibleWindow } from '../../../webview/common/gridWindow';
import { kmeans2d } from '../../../webview/common/kmeans';
import { effectiveSelection, orderedMethods } from '../../../webview/common/selection';
import {
  curate,
  derivedFrom,
  galleryItems,
  regroupDuplicates,
  regroupFloor,
  isSelected,
  manualOf,
  sameManual,
  type FieldFilter,
} from '../../../webview/gallery/model';
import { fieldText, sampleFields } from '../../../webview/common/sampleFields';
import { benchRows, labelOutline, labelOverlay, labelsFromRgba } from '../../../webview/segmentation/model';
import { formatDifference } from '../../../src/shared/benchStats';
import { renderReport, type FullBenchReport, type MeasuredCell } from '../../../src/engine/bench/report';
import { colourModes, colouringFor, describeSample } from '../../../webview/embeddingMap/colouring';
import { summariseSubset } from '../../../webview/histogram/summary';
import type { BenchCell, SelectionFile } from '../../../src/shared/artifacts';
import type { RunViewData } from '../../../src/shared/viewMessages';

const selection = (method: string, selected: number[], manual?: SelectionFile['manual']): SelectionFile => ({
  version: 1,
  method,
  budget: 0.1,
  seed: 1,
  selected,
  manual,
  createdAt: '',
});

test('the virtual grid puts only the visible rows (plus overscan) in the DOM', () => {
  const g = gridLayout(1000, 10_000, { width: 96, height: 114, gap: 8 });
  assert.equal(g.columns, 9);
  assert.equal(g.rows, Math.ceil(10_000 / 9));
  const w = visibleWindow(g, 10_000, 122 * 50, 600, 1);
  assert.equal(w.first, 49 * 9);
  assert.equal(w.last, (50 + Math.ceil(600 / 122) + 1) * 9);
  assert.ok(w.last - w.first < 100, 'a few rows, not ten thousand tiles');
  assert.deepEqual(visibleWindow(g, 0, 0, 600), { first: 0, last: 0 });
  assert.deepEqual(visibleWindow(gridLayout(1000, 5, { width: 96, height: 114, gap: 8 }), 5, 0, 600), {
    first: 0,
    last: 5,
  });
});

test('keyboard movement in the grid stays inside it, and scrolling follows the cursor', () => {
  assert.equal(moveCursor(0, 'ArrowLeft', 5, 12, 2), 0);
  assert.equal(moveCursor(3, 'ArrowDown', 5, 12, 2), 8);
  assert.equal(moveCursor(8, 'ArrowDown', 5, 12, 2), 11);
  assert.equal(moveCursor(1, 'PageDown', 5, 12, 2), 11);
  assert.equal(moveCursor(4, 'End', 5, 12, 2), 11);
  assert.equal(moveCursor(4, 'x', 5, 12, 2), undefined);
  const g = gridLayout(500, 100, { width: 90, height: 90, gap: 10 });
  assert.equal(scrollToItem(g, 0, 300, 200), 0);
  assert.equal(scrollToItem(g, 5 * 10, 0, 200), 10 * 100 + 100 - 200);
  assert.equal(scrollToItem(g, 5, 0, 200), 0, 'already visible: unchanged');
});

test('k-means finds well separated clusters, deterministically', () => {
  const xy = new Float32Array(300 * 2);
  for (let i = 0; i < 300; i++) {
    const c = i % 3;
    xy[2 * i] = c * 10 + Math.sin(i) * 0.5;
    xy[2 * i + 1] = Math.cos(i * 1.7) * 0.5;
  }
  const labels = kmeans2d(xy, 3, { seed: 3 });
  for (let i = 3; i < 300; i++) assert.equal(labels[i], labels[i % 3], `point ${i} is with its cluster`);
  assert.equal(new Set(labels).size, 3);
  assert.deepEqual(kmeans2d(xy, 3, { seed: 3 }), labels);
  assert.equal(kmeans2d(new Float32Array(0), 4).length, 0);
});

test('manual curation changes the effective selection the next stage uses', () => {
  const sel = selection('optidel', [1, 2, 3], { include: [7], exclude: [2] });
  assert.deepEqual([...effectiveSelection(sel)].sort(), [1, 3, 7]);
  assert.deepEqual(orderedMethods([{ method: 'random' }, { method: 'kcenter' }, { method: 'optidel' }]), [
    'optidel',
    'kcenter',
    'random',
  ]);
  const selected = new Set(sel.selected);
  let manual = manualOf(sel);
  manual = curate(manual, 2, 'include', selected);
  assert.ok(isSelected(2, selected, manual), 're-including an excluded pick just forgets the exclusion');
  assert.equal(manual.exclude.size, 0);
  manual = curate(manual, 9, 'include', selected);
  manual = curate(manual, 1, 'exclude', selected);
  manual = curate(manual, 5, 'exclude', selected);
  assert.deepEqual([...manual.include].sort(), [7, 9]);
  assert.deepEqual([...manual.exclude], [1], 'excluding a sample the method did not pick records nothing');
  assert.ok(!sameManual(manual, manualOf(sel)));
  assert.ok(
    sameManual(curate(curate(manual, 9, 'reset', selected), 1, 'reset', selected), {
      include: new Set([7]),
      exclude: new Set(),
    }),
  );
});

test('the gallery lists, filters and sorts samples; generated ones go last', () => {
  const input = {
    samples: 5,
    difficulty: Float32Array.from([0.3, 0.1, 0.5, 0.2, 0.4]),
    sourceOf: Uint16Array.from([1, 0, 1, 0, 0]),
    synth: [{ id: 5, kind: 'mosaic' as const, parts: [{ sampleId: 2 }, { sampleId: 4 }] }],
  };
  const selected = new Set([2, 3]);
  const manual = { include: new Set([0]), exclude: new Set([3]) };
  assert.deepEqual(galleryItems(input, 'all', 'difficulty-desc', selected, manual), [2, 4, 0, 3, 1, 5]);
  assert.deepEqual(galleryItems(input, 'all', 'difficulty-asc', selected, manual), [1, 3, 0, 4, 2, 5]);
  assert.deepEqual(galleryItems(input, 'all', 'source', selected, manual), [1, 3, 4, 0, 2, 5]);
  assert.deepEqual(galleryItems(input, 'selected', 'id', selected, manual), [0, 2]);
  assert.deepEqual(galleryItems(input, 'generated', 'id', selected, manual), [5]);
  assert.deepEqual(galleryItems(input, 'manual', 'id', selected, manual), [0, 3]);
  assert.deepEqual(
    derivedFrom(input.synth)
      .get(4)
      ?.map((s) => s.id),
    [5],
  );
});

test('label maps become overlays: background transparent, outlines only on boundaries', () => {
  const labels = labelsFromRgba(Uint8Array.from([0, 0, 0, 255, 1, 1, 1, 255, 1, 1, 1, 255, 2, 2, 2, 255]));
  assert.deepEqual([...labels], [0, 1, 1, 2]);
  const palette: Array<[number, number, number, number]> = [
    [255, 0, 0, 255],
    [0, 255, 0, 255],
  ];
  const fill = labelOverlay(labels, palette);
  assert.deepEqual([...fill.slice(0, 4)], [0, 0, 0, 0]);
  assert.deepEqual([...fill.slice(4, 8)], [255, 0, 0, 255]);
  assert.deepEqual([...fill.slice(12, 16)], [0, 255, 0, 255]);
  // A 4x4 square of class 1 inside a 6x6 image: the outline is its 12 border pixels.
  const square = new Uint8Array(36);
  for (let y = 1; y < 5; y++) for (let x = 1; x < 5; x++) square[y * 6 + x] = 1;
  const outline = labelOutline(square, 6, palette);
  let drawn = 0;
  for (let i = 0; i < 36; i++) if (outline[4 * i + 3]) drawn++;
  assert.equal(drawn, 12);
});

test('bench rows average seeds at the headline budget and pair differences by seed', () => {
  const cell = (method: string, seed: number, mIoU: number, budget = 0.05): BenchCell => ({
    method,
    seed,
    dataset: 'd',
    budget,
    mIoU,
    dice: mIoU + 0.1,
    normDel: 0.6,
    pretrainSteps: 10,
    seconds: 1,
    backend: 'wasm',
  });
  const cells = [
    cell('optidel', 0, 0.7),
    cell('optidel', 1, 0.8),
    cell('random', 0, 0.6),
    cell('random', 1, 0.5),
    cell('full', 0, 0.74, 1),
    cell('optidel', 0, 0.1, 0.2),
  ];
  const rows = benchRows({ settings: { budgets: [0.05, 0.2] }, cells });
  assert.deepEqual(
    rows.map((r) => r.method),
    ['optidel', 'full', 'random'],
  );
  const optidel = rows[0]!;
  assert.ok(Math.abs(optidel.mIoU - 0.75) < 1e-12, 'the 20% cell is not mixed into the 5% row');
  assert.ok(Math.abs(optidel.mIoUSpread - Math.sqrt(0.005)) < 1e-12);
  // Paired by seed: only seed 0 has a full cell, so one pair (0.70 − 0.74), not a difference of means.
  assert.ok(Math.abs(optidel.vsFull!.mean - -0.04) < 1e-12 && optidel.vsFull!.pairs === 1);
  assert.ok(Math.abs(optidel.vsRandom!.mean - 0.2) < 1e-12 && optidel.vsRandom!.pairs === 2);
  assert.equal(rows[1]!.vsFull, undefined);
  assert.equal(formatDifference(optidel.vsFull), '−4.0');
  assert.equal(formatDifference(undefined), '–');
});

test('the segmentation view shows the paired differences report.md shows, for the same cells', () => {
  const cell = (method: string, seed: number, dataset: string, mIoU: number, budget = 0.05): MeasuredCell => ({
    method,
    seed,
    dataset,
    budget,
    mIoU,
    dice: mIoU,
    normDel: 0.6,
    pretrainSteps: 10,
    seconds: 1,
    backend: 'wasm',
    finetuneMode: 'full',
    head: 'pixel',
    finetuneSteps: 5,
    bestStep: 5,
    pretrainSamples: 4,
    generatedSamples: 0,
    finishedAt: '',
  });
  const scores: Record<string, number[]> = {
    full: [0.41, 0.44, 0.39],
    random: [0.4, 0.47, 0.43],
    optidel: [0.46, 0.49, 0.44],
  }; // optidel − full: +5 every seed, shown
  const cells = ['ct', 'mr'].flatMap((dataset, k) =>
    Object.entries(scores).flatMap(([method, values]) =>
      values.map((v, seed) => cell(method, seed, dataset, v - 0.1 * k, method === 'full' ? 1 : 0.05)),
    ),
  );
  cells.push(cell('optidel', 0, 'ct', 0.9, 0.2), cell('random', 1, 'mr', 0.01, 0.2)); // another budget: in neither table
  const report: FullBenchReport = {
    version: 1,
    createdAt: '2026-12-02T00:00:00Z',
    cells,
    settings: {
      command: 'optidel bench',
      configFile: 'c.json',
      methods: ['full', 'random', 'optidel'],
      seeds: [0, 1, 2],
      budgets: [0.05, 0.2],
      datasets: ['ct', 'mr'],
      preset: 'micro',
      imageSize: 16,
      poolSize: 40,
      pretrainSteps: 10,
      pretrainBatchSize: 4,
      finetune: {},
      backend: 'wasm',
      headline: 'mIoU',
    },
  };
  const markdown = renderReport(report).markdown.split('\n');
  /** The report's cell for `method` in its table of differences to `reference`, column `dataset`. */
  const reported = (reference: string, method: string, dataset: string): string => {
    const header = markdown.findIndex((l) => l.startsWith(`| method − ${reference} |`));
    const columns = markdown[header]!.split('|').map((c) => c.trim());
    const row = markdown
      .slice(header + 2)
      .find((l) => l.startsWith(`| ${method} |`))!
      .split('|')
      .map((c) => c.trim());
    return row[columns.indexOf(dataset)]!;
  };
  let compared = 0;
  for (const row of benchRows(report)) {
    for (const [reference, d] of [
      ['full', row.vsFull],
      ['random', row.vsRandom],
    ] as const) {
      if (!d) continue;
      assert.equal(
        reported(reference, row.method, row.dataset),
        d.shown ? `**${formatDifference(d)}**` : formatDifference(d),
        `${row.method} − ${reference} on ${row.dataset}`,
      );
      compared++;
    }
  }
  assert.ok(
    markdown.some((l) => l.includes('**+5.0 [+5.0, +5.0]**')),
    'a bold cell is compared too',
  );
  assert.equal(compared, 8, 'optidel and random against full, optidel and full against random, on two data sets');
});

/** A run's view data: one sample per difficulty, alternately from two sources; `extra` adds or replaces fields. */
const viewData = (difficulty: number[], extra: Partial<RunViewData>): RunViewData => ({
  runName: 'r',
  runDir: '/r',
  samples: difficulty.length,
  imageSize: 8,
  sources: ['/a/x.nii', '/a/y.nii'],
  sourceOf: Uint16Array.from(difficulty, (_, i) => i % 2),
  projection: new Float32Array(2 * difficulty.length),
  difficulty: Float32Array.from(difficulty),
  selections: [],
  stages: {},
  problems: [],
  ...extra,
});

test('embedding map colourings: selected, two-method comparison, difficulty, source', () => {
  const data = viewData([0.1, 0.2, 0.3, 0.4], {
    sliceOf: Int32Array.from([3, 4, 5, 6]),
    selections: [selection('optidel', [0, 1], { include: [], exclude: [1] }), selection('random', [1, 2])],
  });
  const selected = colouringFor('selected', data, 'optidel', 'random');
  assert.deepEqual([...(selected.color.values as Uint8Array)], [1, 0, 0, 0], 'manual exclusion applies');
  assert.deepEqual([...selected.emphasis!], [1, 0, 0, 0]);
  const compare = colouringFor('compare', data, 'optidel', 'random');
  assert.deepEqual([...(compare.color.values as Uint8Array)], [1, 2, 2, 0]);
  assert.equal(colouringFor('difficulty', data, 'optidel', 'random').color.kind, 'value');
  const source = colouringFor('source', data, 'optidel', 'random').color;
  assert.deepEqual(source.kind === 'category' && source.labels, ['x.nii', 'y.nii']);
  assert.equal(describeSample(data, 2), '#2\nx.nii, slice 5\ndifficulty 0.300\nselected by random');
});

test('subset summary: mean difficulty and the share among the top N', () => {
  const s = summariseSubset([1, 2, 3, 4, 5, NaN], [3, 4, 5], 2);
  assert.equal(s.cutoff, 4);
  assert.equal(s.subsetCount, 2);
  assert.equal(s.subsetMean, 4.5);
  assert.equal(s.poolMean, 3);
  assert.equal(s.aboveCutoff, 1);
});

test('the gallery shows the subset in selection order, its first k picks, and duplicate groups side by side', () => {
  const input = {
    samples: 8,
    difficulty: Float32Array.from([0.3, 0.1, 0.5, 0.2, 0.4, 0.6, 0.7, 0.8]),
    duplicates: [
      { kind: 'near' as const, members: [1, 6, 7], identical: 0, minSimilarity: 0.991 },
      { kind: 'exact' as const, members: [2, 4], identical: 1, minSimilarity: 1 },
    ],
  };
  const order = [5, 2, 7, 0];
  const selected = new Set(order);
  const none = { include: new Set<number>(), exclude: new Set<number>() };
  assert.deepEqual(galleryItems(input, 'selected', 'selection', selected, none, { order }), order);
  assert.deepEqual(galleryItems(input, 'selected', 'selection', selected, none, { order, firstPicks: 2 }), [5, 2]);
  // A person's inclusion stays visible whatever the cut; an exclusion is gone.
  const curated = { include: new Set([3]), exclude: new Set([2]) };
  assert.deepEqual(galleryItems(input, 'selected', 'selection', selected, curated, { order, firstPicks: 2 }), [5, 3]);
  assert.deepEqual(galleryItems(input, 'duplicates', 'group', selected, none), [1, 6, 7, 2, 4]);
  assert.deepEqual(galleryItems(input, 'all', 'selection', selected, none, { order }), [5, 2, 7, 0, 1, 3, 4, 6]);
});

test('the duplicates threshold regroups at a stricter similarity without the engine, by the leader rule', () => {
  const groups = [
    {
      kind: 'near' as const,
      members: [1, 6, 7, 9],
      identical: 0,
      minSimilarity: 0.991,
      similarity: [1, 0.999, 0.991, 0.995],
    },
    { kind: 'near' as const, members: [2, 4], identical: 0, minSimilarity: 0.993, similarity: [1, 0.993] },
    { kind: 'exact' as const, members: [3, 8], identical: 1, minSimilarity: 1, similarity: [1, 1] },
    // Written before per-member similarities were kept: whole or nothing.
    { kind: 'near' as const, members: [10, 11, 12], identical: 0, minSimilarity: 0.994 },
  ];
  assert.equal(regroupFloor(groups), 0.991);
  assert.deepEqual(regroupDuplicates(groups, 0.991), groups);
  const at = (t: number) => regroupDuplicates(groups, t).map((g) => [g.members, g.minSimilarity]);
  assert.deepEqual(at(0.994), [
    [[1, 6, 9], 0.995],
    [[3, 8], 1],
    [[10, 11, 12], 0.994],
  ]);
  // A group left with its first member alone is no group; the exact copies stay to the end.
  assert.deepEqual(at(0.9995), [[[3, 8], 1]]);
  const input = { samples: 13, duplicates: regroupDuplicates(groups, 0.996) };
  const none = { include: new Set<number>(), exclude: new Set<number>() };
  assert.deepEqual(galleryItems(input, 'duplicates', 'group', new Set(), none), [1, 6, 3, 8]);
});

test('sample fields: every score, duplicate group, selection order and metadata column sorts, filters and colours', () => {
  const data = viewData([0.1, 0.5, 0.3, 0.4, 0.2], {
    difficultyScore: 'pvi',
    sampleScores: {
      uniqueness: Float32Array.from([0.9, 0.1, 0.5, 0.05, 0.7]),
      representativeness: Float32Array.from([0.2, 0.99, 0.6, 0.98, 0.4]),
      cluster: Uint16Array.from([1, 0, 1, 0, 1]),
      hardestPatch: Float32Array.from([1, 2, 3, 4, 5]),
      clusters: 2,
    },
    duplicates: [{ kind: 'exact', members: [1, 3], identical: 1, minSimilarity: 1 }],
    metadata: [{ name: 'Manufacturer', values: ['ACME', 'Globex'], of: Uint16Array.from([0, 1, 1, 0, 1]) }],
    selections: [selection('kcenter', [4, 0, 2])],
  });
  const fields = sampleFields(data, 'kcenter');
  assert.deepEqual(
    fields.map((f) => f.key),
    [
      'difficulty',
      'hardestPatch',
      'uniqueness',
      'representativeness',
      'embeddingCluster',
      'duplicateGroup',
      'selectionOrder',
      'meta:Manufacturer',
    ],
  );
  assert.match(fields[0]!.label, /pvi/);
  const field = (key: string) => fields.find((f) => f.key === key)!;
  const none = manualOf(undefined);
  const input = { samples: 5, difficulty: data.difficulty, synth: [{ id: 5, kind: 'mosaic' as const, parts: [] }] };
  const list = (sort: Parameters<typeof galleryItems>[2], fieldFilter?: FieldFilter) =>
    galleryItems(input, 'all', sort, new Set(), none, { fieldFilter });
  // The most unique first; the generated sample has no score and goes last.
  assert.deepEqual(list({ field: field('uniqueness'), descending: true }), [0, 4, 2, 1, 3, 5]);
  assert.deepEqual(list({ field: field('representativeness'), descending: false }), [0, 4, 2, 3, 1, 5]);
  // Selection order: picks in order, the rest after them.
  assert.deepEqual(list({ field: field('selectionOrder'), descending: false }), [4, 0, 2, 1, 3, 5]);
  assert.deepEqual(list('id', { field: field('uniqueness'), min: 0.5 }), [0, 2, 4]);
  assert.deepEqual(list('id', { field: field('uniqueness'), min: 0.2, max: 0.8 }), [2, 4]);
  assert.deepEqual(list('id', { field: field('meta:Manufacturer'), category: 1 }), [1, 2, 4]);
  assert.deepEqual(list('id', { field: field('embeddingCluster'), category: 0 }), [1, 3]);
  assert.deepEqual(list('id', { field: field('duplicateGroup'), category: 1 }), [1, 3]);
  assert.equal(fieldText(field('meta:Manufacturer'), 3), 'ACME');
  assert.equal(fieldText(field('selectionOrder'), 1), '—');

  // Each field is a colouring of the map; selection order draws the samples it did not pick quietly.
  const modes = colourModes(data, 'kcenter').map((m) => m.value);
  assert.ok(modes.includes('field:uniqueness') && modes.includes('field:meta:Manufacturer'));
  const byMaker = colouringFor('field:meta:Manufacturer', data, 'kcenter', '').color;
  assert.deepEqual(byMaker.kind === 'category' && Array.from(byMaker.values), [0, 1, 1, 0, 1]);
  const order = colouringFor('field:selectionOrder', data, 'kcenter', '');
  assert.deepEqual([...order.emphasis!], [1, 0, 1, 0, 1]);
  assert.deepEqual(order.color.kind === 'value' && [...order.color.values], [2, NaN, 3, NaN, 1]);
  assert.match(
    describeSample(data, 1),
    /uniqueness 0\.100, representativeness 0\.990, cluster 1\nManufacturer: Globex/,
  );
});
