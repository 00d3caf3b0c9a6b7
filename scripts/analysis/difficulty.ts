/**
 * The difficulty analysis behind docs/selection.md ("Difficulty scores compared") and
 * docs/benchmark.md: how a run's difficulty relates to pixel spread and modality.
 *
 *   node --import tsx scripts/analysis/difficulty.ts --run RUN [--budget 0.05] [--json]
 *   node --import tsx scripts/analysis/difficulty.ts --run RUN --checkpoint full-s0 \
 *     --variants normalised,intensity,pvi [--work DIR] [--json]
 *
 * For the run's key patches and samples: Spearman's correlation of difficulty with pixel spread
 * (the standard deviation of the cached pixels), overall and per modality; the median pixel spread
 * of the N hardest key patches (N = 4 x the budget's images, what optidel selects) against all;
 * the modality mix of the N hardest against the pool's. With --variants, every difficulty is
 * scored on its own copy of the run (`optidel score` and `optidel propose`, the same checkpoint),
 * never touching RUN, and the tables are reported side by side with the overlap of their N hardest.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCacheIndexFile } from '../../src/shared/node/cacheIndexFile';
import { readKeyPatchesFile } from '../../src/shared/node/keyPatchesFile';
import { ARTIFACTS } from '../../src/shared/run/layout';
import { resolveInRun } from '../../src/shared/run/node/contain';
import { median, overlap, pixelSpread, spearman, topN } from './stats';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
/** Key patches per generated mosaic: optidel selects 4 x B of them (src/engine/selection/optidel.ts). */
const PATCHES_PER_IMAGE = 4;
/** The demo's pool folders (src/engine/data/demo.ts): pool/ct, pool/mr, pool/xray. */
const MODALITY_FOLDERS: Record<string, string> = { ct: 'CT', mr: 'MR', xray: 'X-ray' };

interface Options {
  run: string;
  budget: number;
  checkpoint?: string;
  variants?: string[];
  work?: string;
  json: boolean;
}

export interface Analysis {
  run: string;
  difficulty: string;
  model: string;
  patches: number;
  samples: number;
  hardest: number;
  /** Spearman of difficulty with pixel spread, over key patches and over samples, overall and per modality. */
  spearmanPatches: Record<string, number>;
  spearmanSamples: Record<string, number>;
  medianSpreadHardest: number;
  medianSpreadAll: number;
  /** Counts of the N hardest key patches and of the pool's samples per modality. */
  mixHardest: Record<string, number>;
  mixPool: Record<string, number>;
  hardestIds: number[];
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const run = value('run');
  if (!run) throw new Error('difficulty: --run RUN is required (a run folder with score and propose done)');
  const budget = Number(value('budget') ?? 0.05);
  if (!(budget > 0 && budget <= 1)) throw new Error(`difficulty: --budget must be a fraction in (0, 1], got ${budget}`);
  return {
    run: path.resolve(run),
    budget,
    checkpoint: value('checkpoint'),
    variants: value('variants')?.split(','),
    work: value('work'),
    json: argv.includes('--json'),
  };
}

function modalityOf(source: string): string {
  const parts = source.split(/[\\/]/);
  const pool = parts.lastIndexOf('pool');
  return MODALITY_FOLDERS[parts[pool + 1]] ?? 'other';
}

function readJson<T>(runDir: string, file: string): T {
  const full = path.join(runDir, file);
  if (!fs.existsSync(full)) throw new Error(`${full} is missing: run optidel score and propose on ${runDir} first`);
  return JSON.parse(fs.readFileSync(full, 'utf8')) as T;
}

function readF32(runDir: string, file: string): Float32Array {
  const bytes = fs.readFileSync(resolveInRun(runDir, file, { mustExist: true }));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function byModality(
  modalities: readonly string[],
  difficulty: readonly number[],
  spread: readonly number[],
): Record<string, number> {
  const out: Record<string, number> = { all: spearman(difficulty, spread) };
  for (const m of [...new Set(modalities)].sort()) {
    const idx = modalities.map((x, i) => (x === m ? i : -1)).filter((i) => i >= 0);
    out[m] = spearman(
      idx.map((i) => difficulty[i]),
      idx.map((i) => spread[i]),
    );
  }
  return out;
}

function count(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of [...values].sort()) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export async function analyse(runDir: string, budget: number): Promise<Analysis> {
  const index = await readCacheIndexFile(runDir);
  const side = index.imageSize;
  const pixelsPerSample = side * side;
  const shards = index.shards.map((s) => readF32(runDir, s.file));
  const pixelsOf = (id: number) => {
    const s = index.samples[id];
    return shards[s.shard].subarray(s.offset * pixelsPerSample, (s.offset + 1) * pixelsPerSample);
  };
  const info = readJson<{ difficulty?: string; model?: string }>(runDir, ARTIFACTS.scores);
  const sampleDifficulty = [...readF32(runDir, ARTIFACTS.difficulty)];
  const sampleModality = index.samples.map((s) => modalityOf(s.source));
  const sampleSpread = index.samples.map((s) => pixelSpread(pixelsOf(s.id)));

  const patches = (await readKeyPatchesFile(runDir, ARTIFACTS.keyPatches, { warn: console.warn })).patches.filter((p) =>
    Number.isFinite(p.difficulty),
  );
  const patchSpread = patches.map((p) => {
    const [x, y, w, h] = p.box;
    const image = pixelsOf(p.sampleId);
    const crop: number[] = [];
    for (let row = y; row < Math.min(side, y + h); row++)
      for (let col = x; col < Math.min(side, x + w); col++) crop.push(image[row * side + col]);
    return pixelSpread(crop);
  });
  const patchDifficulty = patches.map((p) => p.difficulty!);
  const patchModality = patches.map((p) => sampleModality[p.sampleId]);
  const n = PATCHES_PER_IMAGE * Math.max(1, Math.round(budget * index.samples.length));
  const hardest = topN(patchDifficulty, n);
  return {
    run: runDir,
    difficulty: info.difficulty ?? 'normalised',
    model: info.model ?? '?',
    patches: patches.length,
    samples: index.samples.length,
    hardest: hardest.length,
    spearmanPatches: byModality(patchModality, patchDifficulty, patchSpread),
    spearmanSamples: byModality(sampleModality, sampleDifficulty, sampleSpread),
    medianSpreadHardest: median(hardest.map((i) => patchSpread[i])),
    medianSpreadAll: median(patchSpread),
    mixHardest: count(hardest.map((i) => patchModality[i])),
    mixPool: count(sampleModality),
    hardestIds: hardest.map((i) => patches[i].id),
  };
}

function optidel(args: string[]): void {
  execFileSync(process.execPath, [path.join(ROOT, 'bin/optidel.js'), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Scores each difficulty on its own copy of the run (the input run is only read). */
async function scoreVariants(options: Options): Promise<Analysis[]> {
  const work = options.work ?? fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-difficulty-'));
  fs.mkdirSync(work, { recursive: true });
  const checkpoint = options.checkpoint ? ['--checkpoint', options.checkpoint] : [];
  const results: Analysis[] = [];
  for (const variant of options.variants!) {
    const copy = path.join(work, variant);
    fs.rmSync(copy, { recursive: true, force: true });
    execFileSync('cp', ['-r', options.run, copy]);
    optidel(['score', '--run', copy, '--difficulty', variant, ...checkpoint]);
    optidel(['propose', '--run', copy, '--difficulty', variant, ...checkpoint]);
    results.push(await analyse(copy, options.budget));
  }
  return results;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const percent = (part: number, whole: number) => `${Math.round((100 * part) / whole)}%`;

function mix(counts: Record<string, number>, modalities: string[]): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return modalities.map((m) => `${counts[m] ?? 0} (${percent(counts[m] ?? 0, total)})`).join(' / ');
}

export function markdown(results: Analysis[]): string {
  const modalities = Object.keys(results[0].mixPool);
  const rows: Array<[string, (a: Analysis) => string]> = [
    ['model', (a) => a.model],
    ['key patches / samples', (a) => `${a.patches} / ${a.samples}`],
    ['Spearman(difficulty, pixel spread), key patches', (a) => fmt(a.spearmanPatches.all)],
    ...modalities.map(
      (m) => [`… key patches, ${m}`, (a: Analysis) => fmt(a.spearmanPatches[m])] as [string, (a: Analysis) => string],
    ),
    ['Spearman(difficulty, pixel spread), samples', (a) => fmt(a.spearmanSamples.all)],
    ...modalities.map(
      (m) => [`… samples, ${m}`, (a: Analysis) => fmt(a.spearmanSamples[m])] as [string, (a: Analysis) => string],
    ),
    [`median pixel spread, ${results[0].hardest} hardest key patches`, (a) => fmt(a.medianSpreadHardest)],
    ['median pixel spread, all key patches', (a) => fmt(a.medianSpreadAll)],
    [`${modalities.join(' / ')} of the ${results[0].hardest} hardest`, (a) => mix(a.mixHardest, modalities)],
    [`${modalities.join(' / ')} of the pool`, (a) => mix(a.mixPool, modalities)],
  ];
  const lines = [
    `| | ${results.map((a) => `\`${a.difficulty}\``).join(' | ')} |`,
    `|---|${results.map(() => '---').join('|')}|`,
    ...rows.map(([label, cell]) => `| ${label} | ${results.map(cell).join(' | ')} |`),
  ];
  if (results.length > 1) {
    lines.push('', `Overlap of the ${results[0].hardest} hardest key patches:`, '');
    for (let i = 0; i < results.length; i++)
      for (let j = i + 1; j < results.length; j++)
        lines.push(
          `- \`${results[i].difficulty}\` and \`${results[j].difficulty}\`: ${overlap(results[i].hardestIds, results[j].hardestIds)}`,
        );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const results = options.variants ? await scoreVariants(options) : [await analyse(options.run, options.budget)];
  if (options.json) {
    const overlaps = results.flatMap((a, i) =>
      results
        .slice(i + 1)
        .map((b) => ({ a: a.difficulty, b: b.difficulty, shared: overlap(a.hardestIds, b.hardestIds) })),
    );
    console.log(JSON.stringify({ results, overlaps, markdown: markdown(results) }, null, 2));
  } else console.log(markdown(results));
}

main().catch((error: unknown) => {
  console.error(`difficulty: ${(error as Error).message}`);
  process.exit(1);
});
