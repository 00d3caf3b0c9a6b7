/**
 * `optidel bench --config optidel.json --out DIR --methods full,random,optidel,scratch --budget 0.05 --seeds 3`:
 * the data-efficiency experiment. DIR is one run folder: the pool is ingested there once, one
 * encoder per method, seed and budget is pre-trained at equal compute (DIR/checkpoints/<method>-...),
 * each is fine-tuned on every downstream data set, and DIR/bench/ gets report.json and report.md. Re-running the same command resumes: finished cells are kept.
 */
import * as path from 'node:path';
import {
  ABLATION_BENCH_METHODS,
  BENCH_METHOD_NAMES,
  DEFAULT_BENCH_METHODS,
  OPTIDEL_IMAGES,
  RECONSTRUCTION_TARGETS,
  type BenchArgs,
} from '../../shared/commands';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';
import { selectBackend } from '../backends/select';
import { loadConfig } from '../config/loadConfig';
import { ingestPool } from '../pipeline/ingestStage';
import { openCache } from '../data/cache';
import { describeSplit } from '../data/splitReport';
import { maeConfig, reconstructionTarget, validateConfig, withTarget, MAE_PRESETS, type MaePreset } from '../model/mae';
import { DEFAULT_PRETRAIN_OPTIONS } from '../model/pretrain';
import { FINETUNE_VERSION } from '../downstream/finetune';
import { FINETUNE_ARG_OPTIONS, finetuneOptions } from './finetuneArgs';
import { runBench, type BenchPlan } from '../bench/runBench';
import { checkpointName, poolEncoderFactory } from '../bench/encoders';
import { checkpointDir, latestCheckpoint } from '../model/checkpoint';
import { pipelineSelection } from '../bench/selectionSource';
import { armsSameAsOptidel } from '../bench/benchMethods';
import { DEFAULT_ADVERSARIAL } from '../pipeline/compactSet';
import { computeInWorkers, parseEncoderKey } from '../bench/workers';
import { summariseForJson, type BenchSettings } from '../bench/report';
import { formatSummaryTable } from '../bench/summaryTable';
import { testImagesInPool } from '../bench/poolOverlap';
import { writeSplitReports } from '../bench/splitReports';
import { allImagesOf, loadSplitsPerSeed } from '../bench/seedSplits';
import { checkDataDigests } from '../bench/dataDigest';
import { checkRunFolderOut } from '../../shared/run/node/outFolder';

export const benchCommand: EngineCommand<'bench'> = {
  name: 'bench',
  summary:
    'Pre-train one encoder per method and seed at equal compute, fine-tune each on every downstream data set, and report mIoU',
  options: [
    {
      name: 'config',
      type: 'string',
      required: true,
      description: 'the optidel.json naming the pool and the downstream data sets',
    },
    {
      name: 'out',
      type: 'string',
      required: true,
      description:
        'benchmark run folder, new, empty or an OptiDEL run (pool cache, checkpoints, report in bench/); re-run to resume',
    },
    {
      name: 'methods',
      type: 'string[]',
      choices: BENCH_METHOD_NAMES,
      description: `methods to compare (default ${DEFAULT_BENCH_METHODS.join(',')}); scratch = no pre-training; optidel-<difficulty> selects by that difficulty score; ${ABLATION_BENCH_METHODS.join(', ')} stop after that step of generation (the ablation)`,
    },
    {
      name: 'budget',
      type: 'string',
      description: "budget(s), fractions of the pool or counts, comma-separated (default: the config's budget)",
    },
    { name: 'seeds', type: 'integer', description: 'number of seeds 0..n-1 (default 3)' },
    { name: 'preset', type: 'string', choices: MAE_PRESETS, description: 'MAE shape (default tiny)' },
    {
      name: 'patchSize',
      type: 'integer',
      description:
        "override the preset's patch size (finer tokens see smaller structures; cost grows with the token count)",
    },
    {
      name: 'maskRatio',
      type: 'number',
      description: "override the preset's masking ratio, in (0, 1) (default 0.75; at 4 x 4 tokens it leaves 4 visible)",
    },
    {
      name: 'reconstructionTarget',
      type: 'string',
      choices: RECONSTRUCTION_TARGETS,
      description:
        "what pre-training reconstructs: each patch's pixels normalised per patch (default, the MAE's norm_pix_loss) or the raw pixels (keeps each patch's intensity and contrast; such encoders cannot score difficulty)",
    },
    { name: 'steps', type: 'integer', description: 'pre-training optimiser steps for every method (default 300)' },
    { name: 'batchSize', type: 'integer', description: 'pre-training batch size (default 16)' },
    ...FINETUNE_ARG_OPTIONS,
    { name: 'datasets', type: 'string[]', description: 'only these downstream data sets (default all)' },
    {
      name: 'optidelImages',
      type: 'string',
      choices: OPTIDEL_IMAGES,
      description:
        'what optidel pre-trains on: the mosaics of its key patches (default), plus their source images, or those images alone',
    },
    {
      name: 'optidelAdversarial',
      type: 'number',
      description: `fraction of optidel's compact set hardened adversarially by the foundation model (default ${DEFAULT_ADVERSARIAL.fraction}; 0 turns it off)`,
    },
    {
      name: 'workers',
      type: 'integer',
      description: 'engine processes sharing the encoders, about one per CPU core on wasm (default 1)',
    },
    {
      name: 'only',
      type: 'string[]',
      description: 'only these encoders, as method:seed:budget (what --workers gives each worker)',
    },
    {
      name: 'dataDigests',
      type: 'string[]',
      description: 'refuse unless the data sets load as these, digest:seed:dataset (what --workers gives each worker)',
    },
  ],
  async run(args: BenchArgs, outer) {
    // Dozens of encoders each log a loss per step: keep those in metrics/<checkpoint>.jsonl and
    // pass on only the benchmark's own metrics (one per cell).
    const ctx = {
      ...outer,
      metric: (stage: string, name: string, value: number, step?: number) =>
        stage === 'bench' && outer.metric(stage, name, value, step),
    };
    const requested = args.methods ?? [...DEFAULT_BENCH_METHODS];
    const out = checkRunFolderOut(args.out);
    const loaded = await loadConfig(args.config);
    const budgets = parseBudgets(args.budget, loaded.config.budget);
    const seedCount = args.seeds ?? 3;
    if (seedCount < 1) throw new UsageError('bench: --seeds must be at least 1');
    const workers = args.workers ?? 1;
    if (workers < 1) throw new UsageError('bench: --workers must be at least 1');
    const only = args.only?.map((key) => parseEncoderKey(key) ?? badEncoderKey(key));
    const finetune = finetuneOptions('bench', args);
    const preset = (args.preset ?? 'tiny') as MaePreset;
    const selection = await selectBackend(ctx.backendPreference);
    const poolRun = out;
    const ingest = await ingestPool(loaded, poolRun, ctx);
    const cache = await openCache(poolRun);
    const model = withTarget(
      {
        ...maeConfig(preset, loaded.config.imageSize),
        ...(args.patchSize ? { patchSize: args.patchSize } : {}),
        ...(args.maskRatio !== undefined ? { maskRatio: args.maskRatio } : {}),
      },
      args.reconstructionTarget ?? 'normalised',
    );
    validateConfig(model);
    const pretrain = {
      ...DEFAULT_PRETRAIN_OPTIONS,
      steps: args.steps ?? 300,
      batchSize: args.batchSize ?? 16,
      warmupSteps: Math.min(DEFAULT_PRETRAIN_OPTIONS.warmupSteps, Math.round((args.steps ?? 300) / 10)),
      // One training thread per engine: --workers shares the cores among engines instead, and the
      // encoders come out bit for bit the same whatever --workers and the machine's core count.
      workers: 1,
    };
    const names = args.datasets ?? loaded.config.downstream.map((d) => d.name);
    const seeds = Array.from({ length: seedCount }, (_, i) => i);
    const splits = await loadSplitsPerSeed(loaded, names, seeds, args.maxTrain, ctx);
    if (args.dataDigests) checkDataDigests(splits, args.dataDigests);
    const benchDir = path.join(out, 'bench');
    const overlap = await testImagesInPool(cache, await allImagesOf(loaded, names));
    const folds = await writeSplitReports(benchDir, splits, overlap, ctx);
    const excluded = new Set(overlap.map((o) => o.poolId));
    if (excluded.size > 0)
      ctx.log(
        'warn',
        `bench: ${excluded.size} pool sample(s) are downstream images, each tested at some seed; they are left out of every encoder's pre-training`,
      );
    const optidelImages = args.optidelImages ?? 'mosaics';
    const adversarial = { ...DEFAULT_ADVERSARIAL, fraction: args.optidelAdversarial ?? DEFAULT_ADVERSARIAL.fraction };
    if (!(adversarial.fraction >= 0 && adversarial.fraction <= 1))
      throw new UsageError('bench: --optidel-adversarial must be between 0 and 1');
    const same = armsSameAsOptidel(requested, { images: optidelImages, adversarialFraction: adversarial.fraction });
    if (same.length)
      ctx.log(
        'info',
        `bench: ${same.join(', ')} would train on exactly what optidel does at these settings (--optidel-images ${optidelImages}, --optidel-adversarial ${adversarial.fraction}, one round); measured once, as optidel`,
      );
    const methods = requested.filter((m) => !same.includes(m));
    const settings: BenchSettings = {
      command: `optidel bench ${process.argv.slice(3).join(' ')}`.trim(),
      configFile: loaded.file,
      methods,
      seeds,
      budgets,
      datasets: names,
      optidelImages,
      optidelAdversarial: adversarial.fraction,
      // Part of every cell's signature: a mask ratio or target other than the default is named, so its cells are never reused for another.
      preset: `${preset} (patch ${model.patchSize}, dim ${model.dim}, depth ${model.depth}${model.maskRatio === maeConfig(preset).maskRatio ? '' : `, mask ratio ${model.maskRatio}`}${model.target === undefined ? '' : `, ${reconstructionTarget(model)} target`})`,
      imageSize: model.imageSize,
      poolSize: cache.size,
      pretrainSteps: pretrain.steps,
      pretrainBatchSize: pretrain.batchSize,
      finetune: { ...finetune, maxTrain: args.maxTrain ?? 'all', seed: "the cell's seed" },
      backend: selection.backend,
      splits: [...splits].flatMap(([seed, datasets]) => datasets.map((d) => `seed ${seed}: ${describeSplit(d.split)}`)),
      folds,
      headline: `mIoU without background on the test split, ${finetune.mode === 'full' ? 'full fine-tuning (encoder and head)' : 'frozen-encoder probe'}, ${finetune.head} head`,
    };
    try {
      const selector = pipelineSelection({
        poolRun,
        cache,
        model,
        pretrain,
        optidelImages,
        adversarial,
        excluded,
      });
      const factory = poolEncoderFactory({
        poolRun,
        cache,
        model,
        pretrain,
        optidelImages,
        excluded,
        selectTraining: selector.training,
      });
      const signatureExtra = {
        finetuneVersion: FINETUNE_VERSION,
        // The config's seed seeds the pool run as well as the splits (each cell signs its split's data itself).
        configSeed: loaded.config.seed,
        pool: cache.contentHash,
        model,
        pretrain: { ...pretrain, checkpointEvery: undefined },
        ingestSkipped: ingest.skipped.length,
        ...(excluded.size > 0 ? { excludedFromPool: [...excluded].sort((a, b) => a - b) } : {}),
      };
      const plan: BenchPlan = {
        benchDir,
        settings,
        datasets: (seed) => splits.get(seed) ?? noSplit(seed),
        finetune,
        poolSize: cache.size,
        signatureExtra,
        config: loaded.config,
        only,
      };
      const computedByWorkers = await computeInWorkers(
        {
          plan,
          args,
          workers,
          backend: selection.backend,
          prepareSelection: selector.prepare,
          stepsDone: async (e) =>
            (await latestCheckpoint(checkpointDir(poolRun, checkpointName(e.method, e.seed, e.budget, optidelImages))))
              ?.state.step ?? 0,
        },
        ctx,
      );
      const outcome = await runBench(plan, factory, ctx);
      return summariseForJson(outcome.report, benchDir, {
        computed: outcome.computed + computedByWorkers,
        reused: outcome.reused - computedByWorkers,
      });
    } finally {
      await cache.close();
    }
  },
  describe: formatSummaryTable,
};

function noSplit(seed: number): never {
  throw new Error(`bench: no downstream split was made for seed ${seed}`);
}

function badEncoderKey(key: string): never {
  throw new UsageError(`bench: --only takes method:seed:budget, got "${key}"`);
}

export function parseBudgets(text: string | undefined, fallback: number): number[] {
  if (text === undefined) return [fallback];
  const values = text.split(',').map((s) => Number(s.trim()));
  const bad = values.find((v) => !(Number.isFinite(v) && v > 0));
  if (bad !== undefined || values.length === 0)
    throw new UsageError(
      `bench: --budget must be fractions of the pool (0 < b <= 1) or counts, comma-separated, got "${text}"`,
    );
  return values;
}
