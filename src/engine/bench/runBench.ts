/**
 * The benchmark loop: for every budget, method and seed one pre-trained encoder, fine-tuned on
 * every downstream data set. Finished cells are kept on disk and never recomputed (an encoder
 * whose cells are all done is not even built), and the report is rewritten after every cell, so an
 * interrupted benchmark has a valid partial report and resumes where it stopped.
 *
 * Where encoders come from is behind `EncoderFactory`, so this loop knows nothing of ingest,
 * selection or pre-training, and its bookkeeping can be tested with tiny encoders.
 */
import type { CommandContext } from '../command';
import { throwIfCancelled } from '../command';
import { fineTune, type FineTuneOptions, type LabelledData, type PatchEncoder } from '../downstream/finetune';
import { normDel } from '../downstream/metrics';
import { BUDGET_FREE_METHODS } from '../../shared/benchStats';
import { CellLedger, settingsSignature, type CellSignatures } from './ledger';
import { labelledDataDigest } from './dataDigest';
import { PREDICTION_SAMPLES, PREDICTION_SEED, refreshPredictionIndex, writePredictions } from './predictions';
import { writeReport, type BenchSettings, type FullBenchReport, type MeasuredCell } from './report';
import { selectorOf } from './benchMethods';

export interface PretrainedEncoder {
  encoder: PatchEncoder;
  pretrainSteps: number;
  /** Pool samples it was pre-trained on, and generated samples added to them. */
  samples: number;
  generated: number;
  dispose(): void;
}

export interface EncoderFactory {
  /** A pre-trained encoder for one method, seed and budget ('scratch': not pre-trained at all). */
  encoder(method: string, seed: number, budget: number, ctx: CommandContext): Promise<PretrainedEncoder>;
}

export interface BenchPlan {
  benchDir: string;
  settings: BenchSettings;
  /** The downstream data sets as split for one seed's cells (`settings.datasets`, in that order). */
  datasets(seed: number): readonly LabelledData[];
  finetune: Omit<FineTuneOptions, 'seed'>;
  /** Pool size, to turn a count budget into the fraction NormDEL needs. */
  poolSize: number;
  /** The config as loaded, copied into the report so every cell can be reproduced. */
  config?: unknown;
  /** Settings beyond `settings` that change a cell's number (config content, model shape). */
  signatureExtra: unknown;
  /** Compute only these encoders' cells (a worker's share); the report still covers the whole plan. */
  only?: readonly EncoderId[];
}

/** One encoder of the plan: a method, a seed and the budget its cells are filed under. */
export interface EncoderId {
  method: string;
  seed: number;
  budget: number;
}

export interface BenchOutcome {
  report: FullBenchReport;
  computed: number;
  reused: number;
}

/** The budget a method's cells are filed under: budget-free methods keep everything (full) or nothing (scratch). */
export function cellBudget(method: string, budget: number): number {
  if (method === 'full') return 1;
  if (method === 'scratch') return 0;
  return budget;
}

export async function runBench(plan: BenchPlan, factory: EncoderFactory, ctx: CommandContext): Promise<BenchOutcome> {
  const { settings } = plan;
  const ledger = await CellLedger.open(plan.benchDir, cellSignatures(plan));
  for (const { file, reason } of ledger.ignored) ctx.log('warn', `bench: not reusing ${file}: ${reason}`);
  const encoders = plannedEncoders(settings);
  const mine = encodersToCompute(plan);
  const names = settings.datasets;
  const total = mine.length * names.length;
  let computed = 0;
  let reused = 0;
  const report = (): FullBenchReport => ({
    version: 1,
    createdAt: new Date().toISOString(),
    classes: Object.fromEntries(plan.datasets(settings.seeds[0]).map((d) => [d.name, d.classes])),
    settings,
    config: plan.config,
    // Only the cells this plan asks for: a ledger may hold cells of methods or seeds not asked now.
    cells: ledger.all().filter((c) => encoders.some((e) => sameEncoder(e, c)) && names.includes(c.dataset)),
  });
  const progress = () => ctx.progress('bench', computed + reused, total, `${computed} computed, ${reused} reused`);
  for (const { method, seed, budget } of mine) {
    throwIfCancelled(ctx.signal);
    const todo = plan.datasets(seed).filter((d) => !ledger.has({ method, seed, dataset: d.name, budget }));
    reused += names.length - todo.length;
    progress();
    if (todo.length === 0) continue;
    ctx.log(
      'info',
      `bench: ${method}, seed ${seed}${BUDGET_FREE_METHODS.has(method) ? '' : `, budget ${budget}`}: pre-training encoder`,
    );
    const pretrained = await factory.encoder(method, seed, budget, ctx);
    try {
      for (const data of todo) {
        throwIfCancelled(ctx.signal);
        ctx.log('info', `bench: ${method}, seed ${seed}: fine-tuning on ${data.name}`);
        const result = await fineTune(
          pretrained.encoder,
          data,
          { ...plan.finetune, seed },
          {
            signal: ctx.signal,
            keepPredictions: seed === PREDICTION_SEED ? PREDICTION_SAMPLES : 0,
            onStep: (step, steps, loss) =>
              ctx.progress(`finetune ${data.name}`, step, steps, `loss ${loss.toFixed(3)}`),
          },
        );
        const fraction = budget > 1 ? Math.min(1, budget / plan.poolSize) : budget;
        const cell: MeasuredCell = {
          method,
          seed,
          dataset: data.name,
          budget,
          mIoU: result.test.mIoU,
          mIoUWithBackground: result.test.mIoUWithBackground,
          dice: result.test.meanDice,
          normDel: normDel(Number.isFinite(result.test.mIoU) ? result.test.mIoU : 0, fraction),
          perClassIoU: result.test.iou.map((v) => (Number.isFinite(v) ? v : null)),
          pretrainSteps: pretrained.pretrainSteps,
          seconds: result.seconds,
          backend: settings.backend,
          finetuneMode: result.mode,
          head: result.head,
          finetuneSteps: result.stepsRun,
          bestStep: result.bestStep,
          pretrainSamples: pretrained.samples,
          generatedSamples: pretrained.generated,
          finishedAt: new Date().toISOString(),
        };
        if (result.predictions) await writePredictions(plan.benchDir, data, method, seed, result.predictions);
        await ledger.record(cell);
        ctx.metric('bench', `${method}/${data.name}/mIoU`, cell.mIoU, seed);
        computed++;
        progress();
        await writeReport(plan.benchDir, report());
      }
    } finally {
      pretrained.dispose();
    }
  }
  const final = report();
  await writeReport(plan.benchDir, final);
  for (const name of names) await refreshPredictionIndex(plan.benchDir, name);
  return { report: final, computed, reused };
}

/** The plan's encoders that still have data sets without a finished cell, with how many. */
export async function pendingEncoders(plan: BenchPlan): Promise<Array<EncoderId & { pendingCells: number }>> {
  const ledger = await CellLedger.open(plan.benchDir, cellSignatures(plan));
  return encodersToCompute(plan)
    .map((e) => ({
      ...e,
      pendingCells: plan.settings.datasets.filter((dataset) => !ledger.has({ ...e, dataset })).length,
    }))
    .filter((e) => e.pendingCells > 0);
}

/** The plan's encoders, or the share of them given in `only`. */
function encodersToCompute(plan: BenchPlan): EncoderId[] {
  const planned = plannedEncoders(plan.settings);
  return plan.only ? planned.filter((e) => plan.only!.some((o) => sameEncoder(o, e))) : planned;
}

export function sameEncoder(a: EncoderId, b: EncoderId): boolean {
  return a.method === b.method && a.seed === b.seed && a.budget === b.budget;
}

/** Settings that shape one method's cells alone, with the value other methods' cells are signed with. */
const METHOD_SETTINGS: Record<string, Partial<BenchSettings>> = {
  // optidelAdversarial came later: other methods' cells are signed without it, as before.
  optidel: { optidelImages: 'mosaics', optidelAdversarial: undefined },
};

/**
 * What makes a finished cell of `method` reusable: every setting that shapes its number (the data
 * it was fine-tuned and tested on is signed per cell, `cellSignatures`). Which
 * methods, seeds, budgets and data sets are asked for does not (a cell names its own), nor does
 * the command line or the backend (each cell records its backend), nor another method's own
 * settings (they are signed at their defaults, so older cells keep their signature).
 */
export function cellSignature(plan: BenchPlan, method: string): string {
  // The split descriptions and fold coverage are reported, not shaping: each cell signs its split's data.
  const {
    command: _command,
    backend: _backend,
    methods: _methods,
    seeds: _seeds,
    budgets: _budgets,
    datasets: _datasets,
    splits: _splits,
    folds: _folds,
    ...shaping
  } = plan.settings;
  // --max-train shapes a cell only through the training samples it keeps, which the cell's data signs.
  const { maxTrain: _maxTrain, ...finetune } = shaping.finetune;
  Object.assign(shaping, { finetune });
  const owns = selectorOf(method)?.method ?? method;
  for (const [owner, defaults] of Object.entries(METHOD_SETTINGS)) {
    if (owner === owns) continue;
    for (const [key, value] of Object.entries(defaults)) if (key in shaping) Object.assign(shaping, { [key]: value });
  }
  return settingsSignature({ settings: shaping, finetune: plan.finetune, extra: plan.signatureExtra });
}

/** The signatures a finished cell of `plan` must carry to be reused (`CellLedger`). */
export function cellSignatures(plan: BenchPlan): CellSignatures {
  return {
    settings: (method) => cellSignature(plan, method),
    data: ({ seed, dataset }) => {
      if (!plan.settings.seeds.includes(seed) || !plan.settings.datasets.includes(dataset)) return undefined;
      const data = plan.datasets(seed).find((d) => d.name === dataset);
      return data && labelledDataDigest(data);
    },
  };
}

/** One encoder per (budget, method, seed); budget-free methods once, whatever the budgets. */
export function plannedEncoders(settings: Pick<BenchSettings, 'methods' | 'seeds' | 'budgets'>): EncoderId[] {
  const seen = new Set<string>();
  const out: EncoderId[] = [];
  for (const b of settings.budgets) {
    for (const method of settings.methods) {
      for (const seed of settings.seeds) {
        const budget = cellBudget(method, b);
        const key = `${method}|${seed}|${budget}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ method, seed, budget });
      }
    }
  }
  return out;
}
