/**
 * bench/report.json and bench/report.md: every measured cell, then the summary a reader needs to
 * judge the claim (mean and spread per method and data set, paired differences to `full` and
 * `random`, plots), and the settings needed to reproduce any cell.
 */
import * as path from 'node:path';
import { ablationLadder, armsSameAsOptidel, generationOf, selectorOf } from './benchMethods';
import {
  ABLATION_BENCH_METHODS,
  DEFAULT_DIFFICULTY,
  GENERATION_STEP_DESCRIPTIONS,
  type OptidelImages,
} from '../../shared/commands';
import type { BenchCell, BenchReport } from '../../shared/artifacts';
import type { BenchResult } from '../../shared/commands';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import {
  BUDGET_FREE_METHODS,
  cellsAtBudget,
  classesNeverFound,
  describeDifference,
  differences,
  formatDifference,
  headlineBudget,
  MEAN_OVER_DATASETS,
  overall,
  overallDifference,
  perClassMeans,
  summarise,
  type Difference,
  type GroupSummary,
  type Spread,
} from '../../shared/benchStats';
import { barChart, lineChart } from './svg';
import { BENCH_FILES } from '../../shared/run/layout';

/** A cell with what the runner knows beyond the shared contract. */
export interface MeasuredCell extends BenchCell {
  finetuneMode: string;
  head: string;
  finetuneSteps: number;
  bestStep: number;
  /** Pool samples the encoder was pre-trained on (0 for scratch), and generated samples added. */
  pretrainSamples: number;
  generatedSamples: number;
  finishedAt: string;
}

/** Everything needed to reproduce a cell, written into the report. */
export interface BenchSettings {
  command: string;
  configFile: string;
  methods: string[];
  seeds: number[];
  budgets: number[];
  datasets: string[];
  preset: string;
  imageSize: number;
  poolSize: number;
  pretrainSteps: number;
  pretrainBatchSize: number;
  /** What optidel pre-trains on (mosaics, mosaics+selected, selected). */
  optidelImages?: OptidelImages;
  /** Fraction of optidel's compact set hardened adversarially (absent in reports before it was applied: none). */
  optidelAdversarial?: number;
  finetune: Record<string, unknown>;
  backend: string;
  headline: string;
  /** How each data set was split for each seed, in words (the details are in splits/<dataset>.json). */
  splits?: string[];
  /** How much of each data set's cross-validation over acquisitions the seeds cover, in words. */
  folds?: string[];
}

export interface FullBenchReport extends BenchReport {
  settings: BenchSettings;
  /** The optidel.json the benchmark ran with, as loaded (paths resolved). */
  config?: unknown;
  cells: MeasuredCell[];
}

export async function writeReport(benchDir: string, report: FullBenchReport): Promise<void> {
  const rendered = renderReport(report);
  await writeJsonAtomic(path.join(benchDir, BENCH_FILES.reportJson), report);
  for (const [name, svg] of Object.entries(rendered.svgs)) await writeFileAtomic(path.join(benchDir, name), svg);
  await writeFileAtomic(path.join(benchDir, BENCH_FILES.reportMarkdown), rendered.markdown);
}

export function summariseForJson(
  report: FullBenchReport,
  out: string,
  counts: { computed: number; reused: number },
): BenchResult {
  const budget = headlineBudget(report);
  const cells = cellsAtBudget(report.cells, budget);
  const groups = summarise(cells);
  const mIoU: Record<string, Record<string, number>> = {};
  const meanMIoU: Record<string, number> = {};
  for (const method of report.settings.methods) {
    mIoU[method] = Object.fromEntries(
      report.settings.datasets.map((d) => [
        d,
        groups.find((g) => g.method === method && g.dataset === d)?.mIoU.mean ?? NaN,
      ]),
    );
    meanMIoU[method] = overall(cells, method, budget).mean;
  }
  return {
    out,
    methods: report.settings.methods,
    datasets: report.settings.datasets,
    budget,
    seeds: report.settings.seeds.length,
    mIoU,
    meanMIoU,
    cells: report.cells.length,
    ...counts,
  };
}

const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(1) : '–');
const cellText = (s: Spread | undefined) =>
  !s || s.n === 0 ? '–' : s.n > 1 ? `${pct(s.mean)} ± ${pct(s.sd)}` : pct(s.mean);
/** A paired difference with its 95% interval; in bold when the interval excludes 0. */
const signed = (d: Difference | undefined) => (d?.shown ? `**${formatDifference(d)}**` : formatDifference(d));

/** IoU per foreground class: which structures decide the headline, and which no method found. */
function perClassSection(report: FullBenchReport, cells: readonly MeasuredCell[], methods: string[]): string[] {
  const classes = report.classes;
  if (!classes || !cells.some((c) => c.perClassIoU)) return [];
  const columns = report.settings.datasets.flatMap((d) =>
    (classes[d] ?? []).slice(1).map((name, i) => ({ dataset: d, name, k: i + 1 })),
  );
  const means = new Map(
    methods.flatMap((m) =>
      report.settings.datasets.map((d) => [`${m}|${d}`, perClassMeans(cells, m, d, classes[d]?.length ?? 0)] as const),
    ),
  );
  const neverFound = new Map(
    report.settings.datasets.map((d) => [d, classesNeverFound(cells, d, classes[d]?.length ?? 0)]),
  );
  const never = columns.filter((c) => neverFound.get(c.dataset)!.includes(c.k));
  return [
    '## IoU per class (foreground), mean over seeds',
    '',
    `| method | ${columns.map((c) => `${c.dataset}: ${c.name}`).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...methods.map((m) => `| ${m} | ${columns.map((c) => pct(means.get(`${m}|${c.dataset}`)![c.k])).join(' | ')} |`),
    '',
    ...(never.length > 0
      ? [
          `No method found ${never.map((c) => `${c.dataset}: ${c.name}`).join(', ')} in any seed (IoU 0): ${never.length > 1 ? 'these classes add' : 'this class adds'} the same 0 to every mIoU, so the differences between methods come from the other classes.`,
          '',
        ]
      : []),
  ];
}

/**
 * OptiDEL's generation steps one at a time: each arm run (in ABLATION_LADDER's order) with its mean
 * mIoU and its paired difference to the arm run before it, so each row says what its step added.
 * Absent unless an ablation arm was run.
 */
function ablationSection(
  report: FullBenchReport,
  cells: readonly MeasuredCell[],
  methods: string[],
  budget: number,
): string[] {
  const s = report.settings;
  const bench = { images: s.optidelImages ?? 'mosaics', adversarialFraction: s.optidelAdversarial ?? 0 };
  const ladder = ablationLadder(methods, bench);
  if (!ladder.some((m) => selectorOf(m)?.generation)) return [];
  // The bench measures such an arm once, as optidel (commands/bench.ts); say so rather than leave a gap.
  const folded = methods.includes('optidel')
    ? armsSameAsOptidel([...ABLATION_BENCH_METHODS, 'optidel'], bench).filter((m) => !methods.includes(m))
    : [];
  const foldedNote = folded.length
    ? ` ${folded.map((m) => `\`${m}\``).join(' and ')} would train on exactly what plain \`optidel\` does at these settings, so it is measured once, as \`optidel\`.`
    : '';
  const trainsOn = (m: string) => {
    const step = selectorOf(m)?.generation;
    if (step) return GENERATION_STEP_DESCRIPTIONS[step];
    const { adversarialFraction } = generationOf(selectorOf(m)!, bench);
    const hardened = adversarialFraction ? `${Math.round(adversarialFraction * 100)}% hardened` : 'none hardened';
    return `the whole method as benchmarked: ${s.optidelImages ?? 'mosaics'}, ${hardened}`;
  };
  return [
    "## Ablation of OptiDEL's generation steps",
    '',
    `Each arm adds one step of generation to the arm above it; plain \`optidel\` is the whole method with this benchmark's --optidel-images and --optidel-adversarial, in one round.${foldedNote} The last column is each arm's paired difference to the arm above it (${MEAN_OVER_DATASETS}, 95% interval over seeds, in bold when it excludes 0).`,
    '',
    `| arm | trains on | mean mIoU | − previous arm |`,
    '|---|---|---:|---:|',
    ...ladder.map((m, i) => {
      const previous = ladder[i - 1];
      const step =
        previous === undefined ? '–' : `${signed(overallDifference(cells, m, previous, budget))} (− ${previous})`;
      return `| ${m} | ${trainsOn(m)} | ${cellText(overall(cells, m, budget))} | ${step} |`;
    }),
    '',
  ];
}

export function renderReport(report: FullBenchReport): { markdown: string; svgs: Record<string, string> } {
  const s = report.settings;
  const budget = headlineBudget(report);
  const cells = cellsAtBudget(report.cells, budget);
  const groups = summarise(cells);
  const methods = s.methods.filter((m) => cells.some((c) => c.method === m));
  const find = (method: string, dataset: string, key: 'mIoU' | 'mIoUWithBackground' | 'dice' | 'normDel') =>
    groups.find((g: GroupSummary) => g.method === method && g.dataset === dataset)?.[key];
  const table = (key: 'mIoU' | 'mIoUWithBackground' | 'dice' | 'normDel', withMean: boolean) => {
    const head = `| method | ${s.datasets.join(' | ')}${withMean ? ' | mean over data sets |' : ' |'}\n|---|${s.datasets.map(() => '---:').join('|')}${withMean ? '|---:|' : '|'}`;
    const rows = methods.map(
      (m) =>
        `| ${m} | ${s.datasets.map((d) => cellText(find(m, d, key))).join(' | ')}${withMean ? ` | ${cellText(overall(cells, m, budget))} |` : ' |'}`,
    );
    return [head, ...rows].join('\n');
  };
  /** `compared` against `reference`, per data set and over their mean; `spoken`'s differences also in words. */
  const diffTable = (reference: string, spoken: string | undefined, compared = methods) => {
    const diffs = differences(cells, reference);
    const means = new Map(methods.map((m) => [m, overallDifference(cells, m, reference, budget)]));
    const rows = compared
      .filter((m) => m !== reference)
      .map(
        (m) =>
          `| ${m} | ${s.datasets.map((d) => signed(diffs.find((x) => x.method === m && x.dataset === d))).join(' | ')} | ${signed(means.get(m))} |`,
      );
    const words = (spoken === undefined ? [] : [...diffs.filter((x) => x.method === spoken), means.get(spoken)])
      .filter((x) => x !== undefined)
      .map((x) => `- ${x.dataset}: ${describeDifference(x)}`);
    return [
      `| method − ${reference} | ${s.datasets.join(' | ')} | ${MEAN_OVER_DATASETS} |`,
      `|---|${s.datasets.map(() => '---:').join('|')}|---:|`,
      ...rows,
      ...(words.length ? ['', ...words] : []),
    ].join('\n');
  };
  const variants = methods.filter((m) => selectorOf(m)?.difficulty !== undefined);
  const svgs: Record<string, string> = {
    [BENCH_FILES.bars]: barChart(
      `mIoU (no background) per method and data set, budget ${pct(budget)}%`,
      'mIoU',
      [
        ...s.datasets.map((d) => ({
          label: d,
          bars: methods.map((m) => ({
            series: m,
            mean: find(m, d, 'mIoU')?.mean ?? NaN,
            sd: find(m, d, 'mIoU')?.sd ?? 0,
          })),
        })),
        { label: 'mean', bars: methods.map((m) => ({ series: m, ...overall(cells, m, budget) })) },
      ],
      methods,
    ),
  };
  const lines = [
    `# OptiDEL benchmark`,
    '',
    `Every number below was measured by \`optidel bench\` in this folder on ${report.createdAt.slice(0, 19).replace('T', ' ')} UTC (backend **${s.backend}**). ` +
      `Headline: ${s.headline}. Values are percentages: mean ± sample standard deviation over seeds (${s.seeds.join(', ')}).`,
    '',
    `## mIoU without background (headline), budget ${pct(budget)}% of the pool`,
    '',
    table('mIoU', true),
    '',
    `## Difference in mIoU points, paired by seed`,
    '',
    "Mean of the per-seed differences and its 95% confidence interval (Student's t over the seeds). A difference is shown, and in bold, only when its interval excludes 0.",
    '',
    ...(methods.includes('full') ? [diffTable('full', 'optidel'), ''] : []),
    ...(methods.includes('random') ? [diffTable('random', 'optidel'), ''] : []),
    ...(methods.includes('optidel') && variants.length > 0
      ? [
          `OptiDEL by each difficulty score (docs/selection.md, "Difficulty"), against \`optidel\` (the default score, ${DEFAULT_DIFFICULTY}):`,
          '',
          diffTable('optidel', undefined, variants),
          '',
        ]
      : []),
    ...ablationSection(report, cells, methods, budget),
    ...(methods.includes('scratch') && methods.length > 1
      ? [
          'Against no pre-training: does pre-training pay at this compute? Until `full` is shown above `scratch`, no ranking of selectors says much.',
          '',
          diffTable('scratch', 'full'),
          '',
        ]
      : []),
    ...perClassSection(report, cells, methods),
    `## Other metrics`,
    '',
    '### mIoU with background',
    '',
    table('mIoUWithBackground', false),
    '',
    '### Dice (foreground classes)',
    '',
    table('dice', false),
    '',
    '### NormDEL (DEL = mIoU · exp(−R), NormDEL = 1 / (1 + exp(−DEL)), R = fraction of the pool kept; scratch: R = 0)',
    '',
    table('normDel', false),
    '',
    '## Plots',
    '',
    `![mIoU per method and data set](${BENCH_FILES.bars})`,
    '',
  ];
  if (s.budgets.length > 1) {
    const all = summarise(report.cells);
    svgs[BENCH_FILES.budgets] = lineChart(
      'mIoU (no background, mean over data sets) against budget',
      'budget (fraction of the pool, log scale)',
      'mIoU',
      methods.map((m) => ({
        series: m,
        reference: BUDGET_FREE_METHODS.has(m),
        points: (BUDGET_FREE_METHODS.has(m) ? [all.find((g) => g.method === m)?.budget ?? 1] : s.budgets).map((b) => ({
          x: b,
          ...overall(report.cells, m, b),
        })),
      })),
    );
    lines.push(`![mIoU against budget](${BENCH_FILES.budgets})`, '');
  }
  lines.push(
    '## Settings',
    '',
    `- command: \`${s.command}\``,
    `- config: \`${s.configFile}\`; pool of ${s.poolSize} images at ${s.imageSize} px; data sets: ${s.datasets.join(', ')}`,
    `- encoder: MAE preset \`${s.preset}\`; pre-training: ${s.pretrainSteps} optimiser steps of batch ${s.pretrainBatchSize} for every method (equal compute); scratch: none${s.methods.some((m) => selectorOf(m)?.method === 'optidel') ? `; optidel trains on: ${s.optidelImages ?? 'mosaics'}, ${s.optidelAdversarial ? `${Math.round(s.optidelAdversarial * 100)}% hardened adversarially` : 'none hardened'}` : ''}`,
    `- fine-tuning: ${Object.entries(s.finetune)
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
      .join(', ')}`,
    `- methods: ${s.methods.join(', ')}; budgets: ${s.budgets.join(', ')}; seeds: ${s.seeds.join(', ')}`,
    ...(s.splits?.length
      ? [
          "- splits, one per seed (splits/ has every test image's nearest training image):",
          ...s.splits.map((line) => `  - ${line}`),
        ]
      : []),
    ...(s.folds?.length
      ? ['- cross-validation (seed s tests fold s mod k of each data set):', ...s.folds.map((line) => `  - ${line}`)]
      : []),
    '',
    '## Every cell',
    '',
    '| method | seed | data set | budget | mIoU | mIoU w/ bg | Dice | NormDEL | pre-train steps | samples (+generated) | fine-tune steps (best) | seconds | backend |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...report.cells.map(
      (c) =>
        `| ${c.method} | ${c.seed} | ${c.dataset} | ${c.budget} | ${pct(c.mIoU)} | ${pct(c.mIoUWithBackground ?? NaN)} | ${pct(c.dice)} | ${c.normDel.toFixed(4)} | ${c.pretrainSteps} | ${c.pretrainSamples}${c.generatedSamples ? ` (+${c.generatedSamples})` : ''} | ${c.finetuneSteps} (${c.bestStep}) | ${c.seconds.toFixed(1)} | ${c.backend} |`,
    ),
    '',
  );
  return { markdown: lines.join('\n'), svgs };
}
